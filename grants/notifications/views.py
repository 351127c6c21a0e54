"""The notification centre: the list, opening and marking notices read, and preferences."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from grants.accounts import sessions
from grants.formatting import count_of
from grants.notifications import services
from grants.notifications.events import mandatory_for
from grants.notifications.forms import preferences_form
from grants.pagination import paginate

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
sessions.read_along(services.UNREAD, services.unread_of)  # the bell costs no statement


@bp.app_context_processor
def bell():
    def unread() -> int:
        if not current_user.is_authenticated:
            return 0
        return services.unread_count(current_user)

    return {"unread_notifications": unread}


@bp.route("")
@login_required
def index():
    g.no_store = True
    page = paginate(services.notifications_of(current_user), per_page=30)
    return render_template(
        "notifications/index.html", page=page, unread=services.unread_count(current_user)
    )


@bp.route("/<int:notification_id>/open", methods=["POST"])
@login_required
def open_notice(notification_id: int):
    notification = services.notification_of(current_user, notification_id)
    if notification is None:
        abort(404)
    services.mark_read(notification)
    link = notification.link
    if link.startswith("/") and not link.startswith("//"):
        return redirect(link)
    return redirect(url_for(".index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    count = services.mark_all_read(current_user)
    flash(
        f"{count_of(count, 'notice')} marked as read." if count else "Nothing was unread.",
        "success",
    )
    return redirect(url_for(".index"))


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    g.no_store = True
    current = services.preferences_of(current_user)
    form = preferences_form(
        current_user, current, request.form if request.method == "POST" else None
    )
    if request.method == "POST" and form.validate():
        choices = {event.code: field.data for event, field in form.events}
        changed = services.save_preferences(current_user, choices)
        flash(
            f"Preferences saved ({changed} changed)." if changed else "Nothing changed.",
            "success",
        )
        return redirect(url_for(".preferences"))
    return render_template(
        "notifications/preferences.html", form=form, mandatory=mandatory_for(current_user)
    ), (422 if form.errors else 200)
