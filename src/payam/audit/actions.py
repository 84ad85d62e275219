"""The audit log's vocabulary: which actions are security events a user sees about themselves."""

from __future__ import annotations

# What happened to an account's access: signing in and out, failures and lockouts, passwords,
# sessions ended, role and status changes, and API keys. A user reads these about themselves;
# admins read every entry.
SECURITY_EVENTS: tuple[str, ...] = (
    "auth.login",
    "auth.login_failed",
    "auth.locked_out",
    "auth.logout",
    "auth.refresh_token_reused",
    "auth.session_ended",
    "user.password_changed",
    "user.password_change_failed",
    "user.password_reset",
    "user.contact_verified",
    "admin.user_status_changed",
    "admin.user_role_changed",
    "admin.password_reset_sent",
    "admin.sessions_ended",
    "api_key.created",
    "api_key.revoked",
)
