"""The scoring implementation before the fast path (issue 16), as a reference for the tests."""
