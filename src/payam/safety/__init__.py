"""Account safety: a campaign's ban risk scored before it starts, from the facts Payam holds."""
