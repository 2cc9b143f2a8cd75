"""The `cumulo` command line."""
