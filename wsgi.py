"""The WSGI entry point for gunicorn and `flask run`."""

from grants import create_app, gctuning

app = create_app()
gctuning.tune(app)  # after start-up: freeze what it built, raise the thresholds
