"""Billing: packages, subscriptions, message quotas, payments and invoices."""
