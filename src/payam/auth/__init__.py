"""Sign-in: registration, passwords, tokens, cookies with CSRF, one-time codes, who may do what."""
