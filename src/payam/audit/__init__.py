"""The audit log: security-relevant actions, who did them, to whom, from where."""
