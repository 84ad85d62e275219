"""Outgoing webhooks: events a user's systems hear, signed, retried, and delivered safely."""
