"""Reference data files (TOML) and the demo-data generator."""
