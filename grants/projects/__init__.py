"""Funded projects: the grant prepared from a selected proposal, its reports and payments."""
