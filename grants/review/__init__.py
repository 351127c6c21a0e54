"""Evaluation: the evaluator pool, conflicts of interest, assignment and the review queue."""
