"""``cumulo lab``: the HA topology on one machine, in network namespaces."""
