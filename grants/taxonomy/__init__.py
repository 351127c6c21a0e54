"""Reference data: funds, the strategy taxonomy, exploitation forms, target groups, countries."""
