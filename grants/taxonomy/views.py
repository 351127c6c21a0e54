"""Read-only pages of the reference data: the strategy taxonomy, funds, groups and countries."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from grants.taxonomy import services

bp = Blueprint("taxonomy", __name__, url_prefix="/taxonomy")


@bp.route("/")
def index():
    items = services.priorities(services.STRATEGY_2021)
    areas = [p for p in items if p.kind == "area"]
    key_actions: dict[str, list] = {}
    for p in items:
        if p.kind == "key_action":
            key_actions.setdefault(p.parent_code, []).append(p)
    return render_template(
        "taxonomy/index.html",
        areas=areas,
        key_actions=key_actions,
        dimensions=[p for p in items if p.kind == "dimension"],
    )


@bp.route("/priorities/<code>")
def priority(code: str):
    item = services.priority_by_code(code) or abort(404)
    children = [p for p in services.priorities(item.strategy.code) if p.parent_code == item.code]
    mapped_from = (
        [p for p in services.priorities(services.STRATEGY_2012) if item in p.links]
        if item.strategy.code == services.STRATEGY_2021
        else []
    )
    return render_template(
        "taxonomy/priority.html", item=item, children=children, mapped_from=mapped_from
    )


@bp.route("/2012-2016")
def strategy_2012():
    items = services.priorities(services.STRATEGY_2012)
    return render_template(
        "taxonomy/strategy_2012.html",
        priorities=[p for p in items if p.kind == "priority"],
        actions=items,
    )


@bp.route("/funds")
def funds():
    return render_template("taxonomy/funds.html", funds=services.funds())


@bp.route("/exploitation")
def exploitation():
    return render_template("taxonomy/exploitation.html", forms=services.exploitation_forms())


@bp.route("/target-groups")
def target_groups():
    return render_template("taxonomy/target_groups.html", groups=services.target_groups())


@bp.route("/countries")
def countries():
    return render_template(
        "taxonomy/countries.html",
        eu=services.countries(eu_only=True),
        regions=services.regions(),
    )


@bp.route("/project-types")
def project_types():
    return render_template("taxonomy/project_types.html", types=services.project_types())


@bp.route("/indicators")
def indicators():
    return render_template(
        "taxonomy/indicators.html",
        indicators=services.indicator_definitions(),
        breakdowns=services.indicator_breakdowns(),
    )
