"""Persistence: SQLAlchemy models, engine set-up, transactions with retry, migrations."""
