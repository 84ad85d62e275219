"""API keys: scoped, long-lived credentials a user's own systems call the API with."""
