"""Calls for proposals: topics, budgets, deadlines, eligibility rules, criteria, priorities."""
