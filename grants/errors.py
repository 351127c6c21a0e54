"""Error pages in the app's own layout."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError

from grants.extensions import db

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Go back and try again."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Not found", "There is no page at this address, or you do not have access to it."),
    405: ("Not allowed", "This address does not accept this kind of request."),
    413: ("File too large", None),
    500: (
        "Something went wrong",
        "The error has been logged. Nothing you entered was lost "
        "unless the page says so; please try again in a moment.",
    ),
}


def init_app(app: Flask) -> None:
    def render(code: int, detail: str | None = None):
        title, message = MESSAGES[code]
        if code == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH") or 0
            message = (
                f"The upload is larger than the limit of {limit // (1024 * 1024)} MB. "
                "Nothing was saved: go back, choose a smaller file and send it again."
            )
        if request.accept_mimetypes.best == "application/json":
            return {"error": title, "message": detail or message}, code
        return render_template(
            "errors/error.html", code=code, title=title, message=detail or message
        ), code

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render(
            400,
            "The form had expired or came from another site, so nothing was saved. "
            "Reload the page and send it again.",
        )

    def _detail(error) -> str | None:
        """A message given to abort(code, message), not werkzeug's generic one."""
        description = getattr(error, "description", None)
        return description if description and description != type(error).description else None

    for code in (400, 403, 404, 405, 413):
        app.register_error_handler(code, lambda error, code=code: render(code, _detail(error)))

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render(500)
