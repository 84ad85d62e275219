"""Statistics for admins and for each user: messages, campaigns, sign-ups, revenue, numbers."""
