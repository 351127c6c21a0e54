"""Proposals: drafting, the completeness checklist, submission, versions, receipts, annexes."""
