"""Attachments: uploaded, checked by content, stored on disk."""
