"""The THB programme web application: create_app() builds it."""

from __future__ import annotations

import os

from flask import Flask

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(config: dict | None = None) -> Flask:
    """Build the app; `config` overrides the settings read from the environment."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=os.path.join(ROOT, "templates"),
    )
    from grants import config as settings

    app.config.from_mapping(settings.from_environment(app.instance_path))
    if config:
        app.config.update(config)
    os.makedirs(app.instance_path, exist_ok=True)
    _check_settings(app, settings)

    from grants import cli, errors, web
    from grants.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(
        app, db, directory=os.path.join(ROOT, "migrations"), render_as_batch=True, compare_type=True
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    web.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    return app


def _check_settings(app: Flask, settings) -> None:
    """Production refuses to start with unsafe settings; development says it runs with defaults."""
    if app.config.get("GRANTS_ENV") == "production":
        problems = settings.check_production(app.config)
        if problems:
            raise settings.SettingsError(
                "GRANTS_ENV=production refuses to start: " + " ".join(problems)
            )
    elif app.config.get("SECRET_KEY") == settings.DEV_SECRET_KEY:
        app.logger.warning(
            "GRANTS_ENV=%s: running with the development secret key and insecure cookies; "
            "set GRANTS_ENV=production and GRANTS_SECRET_KEY for a real deployment.",
            app.config.get("GRANTS_ENV"),
        )
