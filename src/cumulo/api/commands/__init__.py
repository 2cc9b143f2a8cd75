"""Command declarations, one module per area."""
