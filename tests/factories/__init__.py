"""Factory fixtures per domain, loaded as pytest plugins by tests/conftest.py."""
