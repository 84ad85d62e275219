"""Delivery of one-time codes by SMS and by email, with console stand-ins for development."""
