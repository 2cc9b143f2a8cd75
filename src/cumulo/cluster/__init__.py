"""Management-server membership: heartbeats, failure detection, fencing."""
