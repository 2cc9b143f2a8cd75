"""Data volumes on their own: create, attach/detach, resize, migrate, destroy."""
