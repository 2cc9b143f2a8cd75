"""Client-side tools: they talk to a management server over HTTP like any API client."""
