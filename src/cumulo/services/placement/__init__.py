"""Placement: choosing a host and a storage pool for a VM, and reserving capacity on them."""
