"""Notifications: e-mail through an outbox, so that a retry never sends a message twice."""
