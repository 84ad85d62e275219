"""Linked WhatsApp numbers (senders): linking, limits that keep them safe, their status."""
