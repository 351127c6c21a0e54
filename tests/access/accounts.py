"""Access expectations of the main, accounts, taxonomy and audit routes."""

from tests.access.common import LOGIN, MEMBERS, OK_ALL, PUBLIC_FORM

EXPECTED = {
    "static": ("GET", lambda w: {"filename": "app.css"}, OK_ALL),
    "main.index": ("GET", lambda w: {}, OK_ALL),
    "main.health": ("GET", lambda w: {}, OK_ALL),
    "main.dashboard": ("GET", lambda w: {}, MEMBERS),
    "accounts.register": ("GET", lambda w: {}, PUBLIC_FORM),
    "accounts.login": ("GET", lambda w: {}, PUBLIC_FORM),
    "accounts.confirm": ("GET", lambda w: {"token": "not-a-token"}, (302,) * 6),
    "accounts.logout": ("POST", lambda w: {}, (302,) * 6),
    "accounts.log_out_everywhere": ("POST", lambda w: {}, (LOGIN, 302, 302, 302, 302, 302)),
    "accounts.forgot_password": ("GET", lambda w: {}, OK_ALL),
    "accounts.reset_password": ("GET", lambda w: {"token": "not-a-token"}, (302,) * 6),
    "accounts.profile": ("GET", lambda w: {}, MEMBERS),
    "accounts.login_second_factor": ("GET", lambda w: {}, (LOGIN,) + (302,) * 5),
    "accounts.two_factor_setup": ("GET", lambda w: {}, MEMBERS),
    "accounts.reset_two_factor": (
        "POST",
        lambda w: {"user_id": w["applicant"]},
        (LOGIN, 403, 403, 403, 403, 302),
    ),
    "accounts.organisations": ("GET", lambda w: {}, MEMBERS),
    "accounts.new_organisation": ("GET", lambda w: {}, (LOGIN, 200, 200, 403, 403, 403)),
    "accounts.organisation": (
        "GET",
        lambda w: {"organisation_id": w["org"]},
        (LOGIN, 200, 404, 404, 200, 200),
    ),
    "accounts.edit_organisation": (
        "GET",
        lambda w: {"organisation_id": w["org"]},
        (LOGIN, 200, 404, 404, 404, 200),
    ),
    "accounts.add_member": (
        "POST",
        lambda w: {"organisation_id": w["org"]},
        (LOGIN, 302, 404, 404, 404, 302),
    ),
    "accounts.admin_users": ("GET", lambda w: {}, (LOGIN, 403, 403, 403, 403, 200)),
    "accounts.admin_user": (
        "GET",
        lambda w: {"user_id": w["applicant"]},
        (LOGIN, 403, 403, 403, 403, 200),
    ),
    "taxonomy.index": ("GET", lambda w: {}, OK_ALL),
    "taxonomy.priority": ("GET", lambda w: {"code": "child"}, OK_ALL),
    "taxonomy.strategy_2012": ("GET", lambda w: {}, OK_ALL),
    "taxonomy.funds": ("GET", lambda w: {}, OK_ALL),
    "taxonomy.exploitation": ("GET", lambda w: {}, OK_ALL),
    "taxonomy.target_groups": ("GET", lambda w: {}, OK_ALL),
    "taxonomy.countries": ("GET", lambda w: {}, OK_ALL),
    "audit.index": ("GET", lambda w: {}, (LOGIN, 403, 403, 403, 200, 200)),
}


def build(world: dict, fixtures: dict) -> None:
    """Nothing beyond the users and organisations every table gets."""
