"""The descriptor file, its loader, and phrase matching (case, hyphens, plurals, offsets)."""

import re
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import DEFAULT_DESCRIPTORS_PATH, load_descriptors
from scoring.descriptors import Phrase, PhraseMatcher, parse_descriptors, phrase_pattern
from tests.scoring.helpers import AREA_CODES, PRIORITY_CODES, TARGET_GROUPS, descriptors


def spans(phrase: str, text: str, inflections=None):
    matcher = PhraseMatcher([Phrase(phrase)], inflections)
    return [text[s:e] for s, e, _ in matcher.finditer(text)]


SEED = DEFAULT_DESCRIPTORS_PATH.parent
STRATEGY_TEXT = (SEED / "sources" / "eu-strategy-thb-2021-2025.txt").read_text(encoding="utf-8")
# Section headings of the strategy, in order, and the area code of each section.
SECTIONS = (
    ("A2", "## **2. Comprehensive"),
    ("A3", "### 3. Reducing demand"),
    ("A4", "#### 4. Breaking the criminal model"),
    ("A4.1", "##### *4.1 Effective"),
    ("A4.2", "#### ***4.2 Tackling"),
    ("A4.3", "### ***4.3 Tackling"),
    ("A5", "## **5. Protecting"),
    ("A6", "## 6. International dimension"),
    (None, "## 7. Conclusion"),
)


def strategy_prose(text: str = STRATEGY_TEXT) -> str:
    """The strategy's running text: footnotes and page rules left out, markup and spacing folded."""
    keep = [
        line
        for line in text.splitlines()
        if not line.startswith(("<sup>", "<https", "[https")) and line.strip() != "---"
    ]
    prose = re.sub(r"<sup>.*?</sup>|</?b>", "", " ".join(keep)).replace("*", "")
    return re.sub(r"\s+", " ", prose)


def sections() -> dict[str, str]:
    starts = [(code, STRATEGY_TEXT.index(heading)) for code, heading in SECTIONS]
    return {code: STRATEGY_TEXT[a:b] for (code, a), (_, b) in zip(starts, starts[1:], strict=False)}


def strategy_toml() -> dict:
    with open(SEED / "strategy_2021.toml", "rb") as fh:
        return {p["code"]: p for p in tomllib.load(fh)["priority"]}


def test_seed_file_covers_every_dimension_area_and_key_action():
    d = descriptors()
    strategy = strategy_toml()
    assert (
        set(d.codes)
        == set(strategy)
        == set(PRIORITY_CODES)
        | set(AREA_CODES)
        | {c for c, p in strategy.items() if p["kind"] == "key_action"}
    )
    assert d.version == 8 and "COM(2021) 171" in d.source
    for code in d.codes:
        descriptor = d[code]
        assert descriptor.kind == strategy[code]["kind"], code
        assert descriptor.phrases and descriptor.strategy_text, code
        if descriptor.kind != "key_action":
            assert len(descriptor.phrases) >= 5, code
    assert d["A4.1"].parent == d["A4.2"].parent == d["A4.3"].parent == "A4"
    assert d["A5.K4"].parent == "A5" and d["sexual"].kind == d["referral"].kind == "dimension"


def test_one_label_per_code_in_every_seed_file():
    d = descriptors()
    strategy = strategy_toml()
    assert {c: d[c].label for c in d.codes} == {c: p["title"] for c, p in strategy.items()}
    with open(SEED / "strategy_2012.toml", "rb") as fh:
        old = tomllib.load(fh)["priority"]
    mapped = {c for p in old for item in [p, *p.get("action", [])] for c in item["maps_to"]}
    assert mapped <= set(strategy)
    assert {"referral", "sexual"} <= mapped


def test_seed_fit_rules_use_the_target_group_vocabulary():
    d = descriptors()
    for code in d.codes:
        assert set(d[code].target_groups) <= set(TARGET_GROUPS), code
    assert set(d["child"].target_groups) == {
        "girls",
        "boys",
        "children",
        "unaccompanied-minors",
        "children-in-migration",
    }
    assert "age" in d["child"].disaggregations
    assert "sex" in d["gender"].disaggregations
    assert "shelter places" in d["shelters"].indicator_hints
    assert "accommodation" in d["shelters"].budget_hints


def test_every_phrase_is_the_strategys_words_or_marked_with_its_source():
    d = descriptors()
    plain_or_directive = 0
    for code in d.codes:
        for phrase in d[code].phrases:
            if phrase.source:
                assert phrase.source in ("plain", "directive"), (code, phrase.text)
                plain_or_directive += 1
                continue
            for form in phrase.forms:
                found = list(PhraseMatcher([Phrase(form)], d.inflections).finditer(STRATEGY_TEXT))
                assert found, f"{code}: {form!r} is not in the strategy text; mark its source"
    assert plain_or_directive > 0
    # the directive's phrases are in its Article 2(3) as quoted in seed/exploitation.toml
    quote = (SEED / "exploitation.toml").read_text(encoding="utf-8")
    for code in d.codes:
        for phrase in d[code].phrases:
            if phrase.source == "directive":
                for form in phrase.forms:
                    assert list(PhraseMatcher([Phrase(form)]).finditer(quote)), form


def test_strategy_text_is_quoted_verbatim():
    prose = strategy_prose()
    for code in descriptor_codes():
        for sentence in descriptors()[code].strategy_text:
            assert strategy_prose(sentence).rstrip(".;") in prose, (code, sentence[:60])


def descriptor_codes():
    return descriptors().codes


def test_no_phrase_under_two_priorities_unless_a_key_actions_own_text_has_it():
    d = descriptors()
    owners: dict[str, set[str]] = {}
    for code in d.codes:
        for phrase in d[code].phrases:
            for form in phrase.forms:
                owners.setdefault(form.lower(), set()).add(code)
    for form, codes in owners.items():
        others = {c for c in codes if d[c].kind != "key_action"}
        assert len(others) <= 1, (form, sorted(codes))
        for code in codes - others:
            assert list(PhraseMatcher([Phrase(form)]).finditer(" ".join(d[code].strategy_text)))


def test_each_dimension_lists_every_area_whose_section_addresses_it():
    """A dimension addresses an area when the section has its own words of weight 2 or more."""
    d = descriptors()
    strategy = strategy_toml()
    texts = sections()
    for code in PRIORITY_CODES:
        own = [p for p in d[code].phrases if not p.source]
        matcher = PhraseMatcher(own, d.inflections)
        found = set()
        for area, text in texts.items():
            weights = {phrase.text: phrase.weight for _, _, phrase in matcher.finditer(text)}
            if sum(weights.values()) >= 2:
                found.add(area)
        assert found <= set(strategy[code]["areas"]), (code, sorted(found))
    assert {"A3", "A6"} <= set(strategy["cooperation"]["areas"])


def test_section_2_external_funding_points_are_covered():
    d = descriptors()
    text = " ".join(m.phrase for m in d.find("A2", STRATEGY_TEXT))
    for point in (
        "donor coordination",
        "local ownership",
        "civil society organisations and local actors",
    ):
        assert point in text
    assert any("donor coordination" in s for s in d["A2"].strategy_text)


def test_key_actions_have_descriptors_from_their_own_text():
    d = descriptors()
    strategy = strategy_toml()
    for code, item in strategy.items():
        if item["kind"] != "key_action":
            continue
        own = " ".join(d[code].strategy_text)
        assert d[code].parent == item["parent"]
        for phrase in d[code].phrases:
            assert list(PhraseMatcher([phrase], d.inflections).finditer(own)), (code, phrase)


@pytest.mark.parametrize(
    ("phrase", "text", "expected"),
    [
        ("gender dimension", "The GENDER Dimension of it", ["GENDER Dimension"]),
        ("gender-specific", "gender specific, gender-specific, genderspecific", 3),
        ("re-integration", "reintegration, re-integration, re integration, Re‑integration", 4),
        ("re-integration", "re-\nintegration", 1),
        ("specialised shelter", "Specialised Shelters and specialized shelters", 2),
        ("labour exploitation", "labor exploitation; labour exploitations", 2),
        ("identify victims", "identifying victims, identified victim, identifies victims", 3),
        ("organise campaign", "organised campaigns, organizing campaign", 2),
        ("gender dimension", "gender\ndimension", 1),
        ("gender dimension", "gender\n\ndimension", 0),  # a phrase never spans paragraphs
        ("gender dimension", "transgender dimension, gender dimensionality", 0),
        ("women and girls", "women/girls; women and girls; women, and girls", 1),
        ("cyber*", "cybercrime and cyber-security, not a cyborg", 2),
        ("victims' rights", "the victims' rights and victims rights", 1),
    ],
)
def test_matching_is_robust_to_case_hyphens_and_inflection(phrase, text, expected):
    found = spans(phrase, text)
    if isinstance(expected, int):
        assert len(found) == expected, found
    else:
        assert found == expected


def test_irregular_forms_come_from_the_file():
    inflections = {"child": ("children",)}
    assert spans("child victims", "children victims and child victims", inflections) == [
        "children victims",
        "child victims",
    ]
    assert spans("child victims", "children victims") == []


def test_longer_phrase_wins_at_the_same_position_and_offsets_are_exact():
    matcher = PhraseMatcher([Phrase("shelter"), Phrase("specialised shelter", weight=2.0)])
    text = "We open specialised shelters. A shelter."
    hits = list(matcher.finditer(text))
    assert [(s, e, p.text) for s, e, p in hits] == [
        (8, 28, "specialised shelter"),
        (32, 39, "shelter"),
    ]
    assert text[8:28] == "specialised shelters" and text[32:39] == "shelter"


def test_offsets_survive_characters_whose_lower_case_is_longer():
    text = "İstanbul: the gender dimension"  # 'İ'.lower() has two characters
    [(start, end, _)] = list(PhraseMatcher([Phrase("gender dimension")]).finditer(text))
    assert text[start:end] == "gender dimension"


def test_variants_count_as_their_phrase():
    d = parse_descriptors(
        {"gender": {"phrases": [{"phrase": "women and girls", "variants": ["girls and women"]}]}}
    )
    matches = d.find("gender", "Girls and women, then women and girls.")
    assert [(m.phrase, m.matched, m.start) for m in matches] == [
        ("women and girls", "Girls and women", 0),
        ("women and girls", "women and girls", 22),
    ]


def test_text_match_context():
    d = parse_descriptors({"x": {"phrases": ["safe accommodation"]}})
    text = "Victims need safe accommodation now."
    [m] = d.find("x", text)
    assert m.context(text, width=5) == "...need [safe accommodation] now."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"x": {"phrases": []}}, "non-empty list"),
        ({"x": {"phrases": ["ok"], "colour": "red"}}, "unknown keys"),
        ({"x": {"phrases": [{"phrase": "ok", "weight": 0}]}}, "positive number"),
        ({"x": {"phrases": ["-bad"]}}, "start with a letter"),
        ({"x": {"phrases": ["ok"], "kind": "topic"}}, "kind"),
        ({"x": {"phrases": ["ok"], "parent": "nowhere"}}, "unknown parent"),
        ({"x": {"phrases": ["*"]}}, "start with a letter"),
        ({"x": {"phrases": ["the public"]}}, "stop word"),
        ({"x": {"phrases": ["ok"], "indicator_hints": ["by sex"]}}, "stop word"),
        ({"version": 1}, "no priority tables"),
    ],
)
def test_loader_rejects_mistakes(data, message):
    with pytest.raises(ValueError, match=message):
        parse_descriptors(data)


def test_load_descriptors_reads_a_file(tmp_path):
    path = tmp_path / "d.toml"
    path.write_text(
        'version = 2\n[_inflections]\nman = ["men"]\n["A4.1"]\nphrases = ["money laundering"]\n'
    )
    d = load_descriptors(path)
    assert d.codes == ("A4.1",) and d.version == 2 and d.inflections == {"man": ("men",)}
    with open(DEFAULT_DESCRIPTORS_PATH, "rb") as fh:
        assert "gender" in tomllib.load(fh)


def test_index_is_built_once_per_set_of_codes():
    d = descriptors()
    assert d.index(["gender", "child"]) is d.index(("child", "gender"))
    assert d.matcher("gender") is d.matcher("gender")


# --- the index gives exactly what one big regex over the text would give -----------------------

CODES = ("reintegration", "online", "labour", "child", "A2", "gender", "A4.3")


def _reference(code: str, text: str):
    d = descriptors()
    forms = []
    for phrase in d[code].phrases:
        for form in phrase.forms:
            forms.append((form.lower(), phrase))
    ordered = sorted(dict(reversed(forms)).items(), key=lambda kv: (-len(kv[0]), kv[0]))
    pattern = re.compile("|".join(f"({phrase_pattern(f, d.inflections)})" for f, _ in ordered))
    return [
        (m.start(), m.end(), ordered[m.lastindex - 1][1].text)
        for m in pattern.finditer(text.lower())
    ]


def _vocabulary():
    d = descriptors()
    words = set()
    for code in CODES:
        for phrase in d[code].phrases:
            for form in phrase.forms:
                words.update(re.split(r"[\s\-]+", form.replace("*", "")))
    return sorted(w for w in words if w) + ["children", "labor", "specialized", "xyz", "ing"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_vocabulary()),
            st.sampled_from([" ", " ", "-", "", "\n", "\n\n", ", ", "s ", "ing ", "'s "]),
            st.booleans(),
        ),
        max_size=40,
    ),
    st.sampled_from(CODES),
)
def test_index_agrees_with_a_plain_regex(pieces, code):
    text = "".join((w.upper() if up else w) + sep for w, sep, up in pieces)
    got = [(s, e, p.text) for s, e, p in descriptors().index([code]).scan(text).get(code, ())]
    assert got == _reference(code, text)


def test_the_digest_changes_with_any_edit_and_only_then():
    """Stored results are keyed by the digest: an edited weight with the same version number
    must not read back results computed with the old one."""
    data = {
        "version": 3,
        "child": {"label": "Child", "phrases": [{"phrase": "child victims", "weight": 2.0}]},
    }
    same = parse_descriptors({**data})
    edited = parse_descriptors(
        {**data, "child": {"label": "Child", "phrases": [{"phrase": "child victims"}]}}
    )
    assert parse_descriptors(data).digest == same.digest
    assert edited.version == same.version and edited.digest != same.digest
    assert len(descriptors().digest) == 64


def test_every_funding_programme_of_the_seed_files_is_a_programme_name():
    """A phrase inside a programme's name is not evidence: every fund of seed/funds.toml has
    its name (without period and acronym) in `programme_names`."""
    funds = tomllib.loads((SEED / "funds.toml").read_text())["fund"]
    names = descriptors().programme_names
    assert len(names) == len(set(names)) >= 18
    for fund in funds:
        name = re.sub(r"\s*\(.*?\)|\s*\d{4}-\d{4}$", "", fund["name"]).strip()
        assert any(name.startswith(n) for n in names), fund["name"]
