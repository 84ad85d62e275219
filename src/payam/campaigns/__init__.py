"""Campaigns: compose, schedule, start, pause, resume, cancel, duplicate, retry, report."""
