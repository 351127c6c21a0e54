"""The home page and the dashboard that sends each role to its work."""
