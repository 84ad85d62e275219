"""Payam: a multi-user WhatsApp campaign manager."""

__version__ = "0.1.0"
