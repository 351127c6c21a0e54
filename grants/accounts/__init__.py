"""Accounts: users, roles, organisations, login, registration and password reset."""
