"""The async job runtime: queueing, leases, execution, adoption."""
