"""Shared vocabulary of the access tables: roles, the login redirect, common rows.

Each domain has a module beside this one with `EXPECTED` (endpoint -> (method, url
arguments from the world, expected status per role in ROLES order)) and `build(world,
fixtures)`, which adds the domain's objects to the world (ids of calls, proposals, ...).
"""

ROLES = (
    "anonymous",
    "applicant",
    "other_applicant",
    "evaluator",
    "manager",
    "admin",
    "other_coordinator",  # a member of another organisation that coordinates a funded project
)
# A table row of the first six roles: the coordinator of another project is treated as
# another organisation's applicant (tests/access/projects.py gives all seven).
BASE_ROLES = ROLES[:6]  # the roles of the tests outside the projects domain
LOGIN = "login"  # a redirect to the login page
NOT_FOUND = 404

OK_ALL = (200,) * 6
PUBLIC_FORM = (200, 302, 302, 302, 302, 302)  # logged-in users are sent to their dashboard
MEMBERS = (LOGIN, 200, 200, 200, 200, 200)
MANAGERS = (LOGIN, 403, 403, 403, 200, 200)
