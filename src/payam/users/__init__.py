"""Users: the signed-in user's own profile, password and sessions."""
