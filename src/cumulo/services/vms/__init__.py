"""User virtual machines: deployment, lifecycle and their resources."""
