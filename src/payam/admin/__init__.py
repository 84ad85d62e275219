"""What admins do: manage users; super admins also manage admins."""
