"""The comprehensive project-review map: the portfolio read model, its queries, the page,
exports, PDF, JSON API and the import of historical projects (sync.py has the contract)."""
