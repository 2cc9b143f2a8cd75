"""Domain logic: plain Python called alike from the API, the CLI and tests."""
