"""The CloudStack API: one declaration per command, and what derives from it."""
