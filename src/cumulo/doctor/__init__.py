"""``cumulo doctor``: the checks the HA guides make by hand, each with its fix."""
