"""The wire: CloudStack's HTTP conventions, authentication and envelopes."""
