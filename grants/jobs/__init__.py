"""Background work: a job table written in the caller's transaction (the outbox pattern),
workers that claim rows, and one elected scheduler that enqueues what is due."""
