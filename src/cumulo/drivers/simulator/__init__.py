"""The Simulator hypervisor: in-process hosts that keep real state and can be told to fail."""
