"""What ``payam serve`` serves beside the API: the web app, security headers, the API contract."""
