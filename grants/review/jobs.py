"""Background work of the review domain (loaded by grants.jobs.registry)."""

from grants.review.alignment import compute_alignment

__all__ = ["compute_alignment"]
