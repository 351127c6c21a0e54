"""Cross-cutting protections: bounded URL converters, input checks shared by the domains."""
