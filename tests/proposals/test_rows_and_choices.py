"""The row tables and choice fields without JavaScript: "Add a row" saves what was typed and
shows one more empty row (or, when refused, keeps what was typed and adds the row),
activities choose their work package from a list, priorities and countries are tick boxes
(countries grouped by the EU-27 of `Country.eu_member` and the regions), and the call's
rules a draft may break are shown at the field once saved."""

from __future__ import annotations

import re

from sqlalchemy import select

from grants.taxonomy.models import Country


def _version(client, url):
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)


def _rows(html: str, name: str) -> list[str]:
    """The row indices of list `name` on the page (from the rows' hidden id inputs)."""
    return re.findall(rf'name="{name}-(\d+)-id"', html)


def _workplan(proposal, **extra) -> dict:
    wp = proposal.work_packages[0]
    data = {
        "work_packages-0-id": wp.id,
        "work_packages-0-number": 1,
        "work_packages-0-title": wp.title,
        "work_packages-0-start_month": 1,
        "work_packages-0-end_month": 24,
    }
    for n, item in enumerate(wp.items):
        data |= {
            f"items-{n}-id": item.id,
            f"items-{n}-wp_number": "1",
            f"items-{n}-kind": item.kind.value,
            f"items-{n}-title": item.title,
        }
    return data | extra


def test_add_a_row_saves_and_shows_one_more_empty_row(client, login_as, create_proposal, db):
    proposal = create_proposal()
    login_as(proposal.organisation.memberships[0].user)
    url = f"/proposals/{proposal.id}/edit/workplan"
    page = client.get(url).get_data(as_text=True)
    assert len(_rows(page, "work_packages")) == 2  # the saved one and one empty row
    assert 'name="add_row" value="work_packages"' in page

    data = _workplan(
        proposal,
        version=_version(client, url),
        add_row="work_packages",
        **{
            "work_packages-1-number": 2,
            "work_packages-1-title": "Training of labour inspectors",
            "work_packages-1-start_month": 3,
            "work_packages-1-end_month": 20,
            "work_packages-1-priorities": ["gender", "child"],
            # an item of the new work package, in the same save
            "items-2-wp_number": "2",
            "items-2-kind": "milestone",
            "items-2-title": "Inspectors trained",
        },
    )
    response = client.post(url, data=data)
    assert response.status_code == 302
    assert response.location.endswith("?add=work_packages&blank=1#work_packages")
    db.session.expire_all()
    new = next(wp for wp in proposal.work_packages if wp.number == 2)
    assert new.title == "Training of labour inspectors" and sorted(new.priorities) == [
        "child",
        "gender",
    ]
    assert [i.title for i in new.items] == ["Inspectors trained"]

    page = client.get(response.location).get_data(as_text=True)
    assert len(_rows(page, "work_packages")) == 3  # both saved, and the one more empty row
    assert "Training of labour inspectors" in page
    # Priorities are tick boxes, and the new work package is a choice for activities.
    assert re.search(r'type="checkbox" value="gender"[^>]*checked|checked[^>]*value="gender"', page)
    assert '<option value="2">WP 2: Training of labour inspectors</option>' in page


def test_add_a_row_twice_without_typing_adds_two_empty_rows(client, login_as, create_proposal):
    proposal = create_proposal()
    login_as(proposal.organisation.memberships[0].user)
    url = f"/proposals/{proposal.id}/edit/budget"
    lines = proposal.budget_lines
    data = {"version": _version(client, url), "add_row": "lines"}
    for n, line in enumerate(lines):
        data |= {
            f"lines-{n}-id": line.id,
            f"lines-{n}-partner_id": line.partner_id,
            f"lines-{n}-category": line.category.value,
            f"lines-{n}-description": line.description,
            f"lines-{n}-amount": str(line.amount),
        }
    data[f"lines-{len(lines)}-description"] = ""  # the empty row, left empty
    response = client.post(url, data=data)
    assert response.location.endswith("?add=lines&blank=2#lines")
    page = client.get(response.location).get_data(as_text=True)
    assert len(_rows(page, "lines")) == len(lines) + 2
    # However the address is written, a few empty rows at most, and no error.
    for query in ("?add=lines&blank=999", "?add=lines&blank=x", "?add=nothing&blank=3"):
        response = client.get(url + query)
        assert response.status_code == 200
        assert len(_rows(response.get_data(as_text=True), "lines")) <= len(lines) + 10


def test_a_refused_add_keeps_what_was_typed_and_adds_the_row(client, login_as, create_proposal, db):
    proposal = create_proposal()
    login_as(proposal.organisation.memberships[0].user)
    url = f"/proposals/{proposal.id}/edit/workplan"
    data = _workplan(
        proposal,
        version=_version(client, url),
        add_row="work_packages",
        **{
            "work_packages-1-number": 2,
            "work_packages-1-title": "Typed but wrong",
            "work_packages-1-start_month": 10,
            "work_packages-1-end_month": 3,
        },
    )
    response = client.post(url, data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="Typed but wrong"' in page
    assert "The end month is before the start month." in page
    assert len(_rows(page, "work_packages")) == 3  # the two posted and one more
    db.session.expire_all()
    assert [wp.number for wp in proposal.work_packages] == [1]  # nothing saved


def test_countries_grouped_by_the_eu27_and_regions(client, login_as, create_proposal, db):
    proposal = create_proposal()
    login_as(proposal.organisation.memberships[0].user)
    url = f"/proposals/{proposal.id}/edit/targets"
    page = client.get(url).get_data(as_text=True)
    groups = re.findall(r'<details class="picker-group"( open)?>\s*<summary>([^<]+)', page)
    titles = [title.strip() for _, title in groups]
    assert titles[0] == "EU Member States (EU-27)"
    assert "Western Balkans" in titles and titles[-1] == "Other countries"
    assert groups[0][0] == " open" and groups[1][0] == ""  # BE, NL, DE are chosen
    eu_group = page[page.index("EU Member States") : page.index("</details>")]
    listed = set(re.findall(r'value="([A-Z]{2})"', eu_group))
    members = set(db.session.scalars(select(Country.code).where(Country.eu_member.is_(True))))
    assert listed == members and len(listed) == 27
    # Each country is one tick box, even where regions overlap (Algeria, Egypt ...).
    assert page.count('value="DZ"') == 1
    assert 'data-choose="AT BE BG' in page  # the EU-27 shortcut for countries.js

    response = client.post(
        url,
        data={
            "version": _version(client, url),
            "target_groups": ["women"],
            "exploitation_forms": ["sexual"],
            "countries": ["HR", "SI", "UA"],
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert proposal.countries == ["HR", "SI", "UA"]


def test_a_duration_over_the_call_maximum_is_shown_at_the_field(
    client, login_as, create_proposal, db
):
    proposal = create_proposal()
    login_as(proposal.organisation.memberships[0].user)
    url = f"/proposals/{proposal.id}/edit/summary"
    data = {
        "version": _version(client, url),
        "acronym": proposal.acronym,
        "title": proposal.title,
        "topic_id": proposal.topic_id,
        "duration_months": 48,
        "abstract": proposal.abstract,
    }
    assert client.post(url, data=data).status_code == 302  # a draft may break it
    page = client.get(url).get_data(as_text=True)
    rule = re.search(r'<div id="duration_months-rule" class="field-rule small">([^<]+)', page)
    assert rule.group(1) == "The project lasts 48 months; the call allows at most 36."
    assert re.search(r'aria-describedby="[^"]*duration_months-rule', page)
    assert 'data-max-for="duration_months" data-max="36"' in page  # for rows.js, as one types
