"""The WSGI entry point for gunicorn and `flask run`."""

from grants import create_app

app = create_app()
