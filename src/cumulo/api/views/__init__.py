"""Wire views: models rendered with CloudStack\x27s field names."""
