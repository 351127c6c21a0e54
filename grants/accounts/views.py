"""Routes of the accounts domain: registration, login, password reset, profile, organisations,
and the admin page for users and roles."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup
from sqlalchemy import or_, select

from grants.accounts import permissions, services, sessions, twofactor
from grants.accounts.forms import (
    AddMemberForm,
    ForgotPasswordForm,
    LoginForm,
    OrganisationForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    SecondFactorForm,
    UserRolesForm,
)
from grants.accounts.models import Organisation, RoleName, User
from grants.accounts.services import AccountError
from grants.extensions import db
from grants.formatting import count_of
from grants.pagination import paginate

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths, so `next` cannot send users elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register(
                form.email.data, form.full_name.data, form.password.data, form.timezone.data
            )
        except AccountError as exc:
            target = form.email if "e-mail" in str(exc) else form.password
            target.errors = [*target.errors, str(exc)]
        else:
            return render_template("accounts/registered.html", email=user.email)
    status = 422 if form.errors else 200
    return render_template("accounts/register.html", form=form), status


@bp.route("/confirm/<token>")
def confirm(token: str):
    try:
        user = services.confirm_email(token)
    except AccountError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("accounts.login"))
    flash(f"Thank you: {user.email} is confirmed. You can log in now.", "success")
    return redirect(url_for("accounts.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    error = ""
    if form.validate_on_submit():
        result = services.authenticate(
            form.email.data, form.password.data, request.remote_addr or ""
        )
        if result.user is not None:
            target = _safe_next(request.args.get("next"))
            session.clear()  # a new session on login: nothing from before survives
            if twofactor.of(result.user) is not None:
                session["2fa_pending"] = {
                    "id": result.user.id,
                    "remember": bool(form.remember.data),
                    "next": target or "",
                    "at": time.time(),
                }
                return redirect(url_for("accounts.login_second_factor"))
            login_user(result.user, remember=form.remember.data)
            flash(f"Welcome, {result.user.full_name}.", "success")
            return redirect(target or url_for("main.dashboard"))
        error = result.error
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form, error=error), status


PENDING_SECONDS = 300  # the second step must follow the password within five minutes
SETUP_ENDPOINTS = {"accounts.two_factor_setup", "accounts.logout", "static"}


@bp.route("/login/second-factor", methods=["GET", "POST"])
def login_second_factor():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    pending = session.get("2fa_pending") or {}
    user = db.session.get(User, pending.get("id") or 0) if pending else None
    if user is None or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop("2fa_pending", None)
        flash("Log in with your e-mail address and password first.", "info")
        return redirect(url_for("accounts.login"))
    form = SecondFactorForm()
    error = ""
    if form.validate_on_submit():
        kind, error = services.second_factor(user, form.code.data, request.remote_addr)
        if kind is not None:
            session.clear()
            login_user(user, remember=pending.get("remember", False))
            flash(f"Welcome, {user.full_name}.", "success")
            if kind == "recovery":
                flash("You used a recovery code: it will not work again.", "warning")
            return redirect(_safe_next(pending.get("next")) or url_for("main.dashboard"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/second_factor.html", form=form, error=error), status


@bp.before_app_request
def require_second_factor():
    """Programme managers and admins set up a second factor before anything else."""
    if (
        current_user.is_authenticated
        and request.endpoint not in SETUP_ENDPOINTS
        and twofactor.is_required(current_user)
        and not twofactor.enrolled_at_start(current_user)
    ):
        flash("Your role needs two-factor login: set it up to continue.", "warning")
        return redirect(url_for("accounts.two_factor_setup"))
    return None


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor_setup():
    secret = session.get("2fa_secret") or twofactor.new_secret()
    session["2fa_secret"] = secret
    form = SecondFactorForm()
    if form.validate_on_submit():
        codes = twofactor.enrol(current_user, secret, form.code.data)
        if codes is not None:
            session.pop("2fa_secret", None)
            return render_template("accounts/two_factor_codes.html", codes=codes)
        form.code.errors = [
            *form.code.errors,
            "This code does not match: check the time on your phone and enter the current code.",
        ]
    status = 422 if form.errors else 200
    return render_template(
        "accounts/two_factor.html",
        form=form,
        secret=secret,
        qr=Markup(twofactor.qr_svg(current_user, secret)),
        enrolled=twofactor.of(current_user) is not None,
        required=twofactor.is_required(current_user),
    ), status


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("main.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(
            "If an account uses this address, we have sent it a link to reset the password. "
            "The link works once and expires in one hour.",
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        services.check_reset_token(token)
    except AccountError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except AccountError as exc:
            form.password.errors = [*form.password.errors, str(exc)]
        else:
            logout_user()
            session.clear()
            flash("Your password is changed. Log in with the new one.", "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(current_user, form.full_name.data, form.timezone.data)
        flash("Your profile is saved.", "success")
        return redirect(url_for("accounts.profile"))
    return render_template(
        "accounts/profile.html", form=form, live_sessions=sessions.live_count(current_user)
    ), (422 if form.errors else 200)


@bp.route("/account/log-out-everywhere", methods=["POST"])
@login_required
def log_out_everywhere():
    count = services.log_out_everywhere(current_user)
    logout_user()
    session.clear()
    flash(
        f"You are logged out everywhere: {count_of(count, 'session')} ended, "
        "on this device and every other. Log in again to continue.",
        "info",
    )
    return redirect(url_for("accounts.login"))


# Organisations ----------------------------------------------------------------------------


def _organisation_or_404(organisation_id: int, predicate) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    # Not yours: the same 404 as a missing one, so that ids do not reveal what exists.
    if organisation is None or not predicate(current_user, organisation):
        abort(404)
    return organisation


@bp.route("/organisations")
@login_required
def organisations():
    return render_template(
        "accounts/organisations.html",
        organisations=current_user.organisations,
        can_create=permissions.can_create_organisation(current_user),
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
@permissions.requires(permissions.can_create_organisation)
def new_organisation():
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = services.create_organisation(current_user, form.data)
        except AccountError as exc:
            form.registration_number.errors = [*form.registration_number.errors, str(exc)]
        else:
            flash(f"{organisation.name} is registered and you are its contact.", "success")
            return redirect(url_for("accounts.organisation", organisation_id=organisation.id))
    return render_template("accounts/organisation_form.html", form=form, organisation=None)


@bp.route("/organisations/<int:organisation_id>")
@login_required
def organisation(organisation_id: int):
    org = _organisation_or_404(organisation_id, permissions.can_view_organisation)
    return render_template(
        "accounts/organisation.html",
        organisation=org,
        can_edit=permissions.can_edit_organisation(current_user, org),
        member_form=AddMemberForm(),
    )


@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@login_required
def edit_organisation(organisation_id: int):
    org = _organisation_or_404(organisation_id, permissions.can_edit_organisation)
    form = OrganisationForm(obj=org)
    if request.method == "GET":
        form.type.data = org.type.value
    if form.validate_on_submit():
        try:
            services.update_organisation(org, form.data, current_user)
        except AccountError as exc:
            form.registration_number.errors = [*form.registration_number.errors, str(exc)]
        else:
            flash("The organisation is saved.", "success")
            return redirect(url_for("accounts.organisation", organisation_id=org.id))
    return render_template("accounts/organisation_form.html", form=form, organisation=org)


@bp.route("/organisations/<int:organisation_id>/members", methods=["POST"])
@login_required
def add_member(organisation_id: int):
    org = _organisation_or_404(organisation_id, permissions.can_edit_organisation)
    form = AddMemberForm()
    if form.validate_on_submit():
        try:
            user = services.add_member(org, form.email.data, current_user)
        except AccountError as exc:
            flash(str(exc), "danger")
        else:
            flash(f"{user.email} can now work on {org.name}'s proposals.", "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
    return redirect(url_for("accounts.organisation", organisation_id=org.id))


# Admin ------------------------------------------------------------------------------------


@bp.route("/admin/users")
@permissions.requires(permissions.can_manage_users)
def admin_users():
    q = (request.args.get("q") or "").strip()[:100]
    role = request.args.get("role") or ""
    stmt = select(User).order_by(User.email)
    if q:
        stmt = stmt.where(or_(User.email.ilike(f"%{q}%"), User.full_name.ilike(f"%{q}%")))
    if role in {r.value for r in RoleName}:
        stmt = stmt.where(User.roles.any(name=role))
    page = paginate(stmt, per_page=50)
    return render_template("admin/users.html", page=page, q=q, role=role, roles=list(RoleName))


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@permissions.requires(permissions.can_manage_users)
def admin_user(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = UserRolesForm(roles=sorted(user.role_names), active=user.is_active_account)
    if form.validate_on_submit():
        try:
            services.set_roles(user, form.roles.data, current_user)
            services.set_active(user, form.active.data, current_user)
        except AccountError as exc:
            flash(str(exc), "danger")
        else:
            flash(f"{user.email} is saved.", "success")
            return redirect(url_for("accounts.admin_user", user_id=user.id))
    return render_template("admin/user.html", user=user, form=form)


@bp.route("/admin/users/<int:user_id>/two-factor/reset", methods=["POST"])
@permissions.requires(permissions.can_manage_users)
def reset_two_factor(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    if twofactor.reset(user, current_user):
        flash(f"The two-factor login of {user.email} is reset; they set it up again.", "success")
    else:
        flash(f"{user.email} has no two-factor login to reset.", "info")
    return redirect(url_for("accounts.admin_user", user_id=user.id))
