"""Hypervisor and storage drivers. They never touch the database: services pass
everything a driver needs as arguments and store what it returns."""
