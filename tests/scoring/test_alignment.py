"""Worked examples of priority alignment: components, evidence with offsets, flags, gaming."""

import json
import subprocess
import sys

import pytest

from scoring import (
    Activity,
    Aligner,
    AlignmentInput,
    AlignmentResult,
    AlignmentSettings,
    BudgetLine,
    Indicator,
    PriorityClaim,
    align,
    align_many,
    normalise_weights,
)
from scoring.descriptors import parse_descriptors
from scoring.passages import passages
from tests.scoring.helpers import D, descriptors

SMALL = parse_descriptors(
    {
        "gender": {
            "label": "Gender",
            "phrases": [
                {"phrase": "gender dimension", "weight": 2.0},
                {"phrase": "women and girls", "variants": ["girls and women"]},
                "gender-sensitive",
            ],
            "target_groups": ["women", "girls"],
            "indicator_hints": ["women"],
            "disaggregations": ["sex"],
        },
        "shelters": {
            "label": "Shelters",
            "phrases": ["specialised shelter", "safe accommodation"],
            "target_groups": ["victims"],
            "indicator_hints": ["shelter places"],
            "budget_hints": ["accommodation"],
        },
        "data": {"label": "Data", "phrases": ["data collection"]},
        "online": {"phrases": ["online"]},
    }
)
WEIGHTS = {"gender": 3, "shelters": 1, "data": 1}
EXACT = AlignmentSettings(semantic=False)  # phrases only: the arithmetic below is exact
JUSTIFICATION = "We offer gender-sensitive counselling to women and girls in particular."
ACTION_GENDER = (
    "We train social workers on the gender dimension of exploitation of women and girls."
)
ACTION_SHELTER = "We run two specialised shelters offering safe accommodation for women."
KEYWORDS = "Keywords: gender dimension, specialised shelter."
TEXT = f"{ACTION_GENDER}\n\n{ACTION_SHELTER}\n{KEYWORDS}"


def proposal(**changes) -> AlignmentInput:
    fields = dict(
        proposal_id="P1",
        text=TEXT,
        claims=(
            PriorityClaim("gender", JUSTIFICATION),
            PriorityClaim("data", ""),
            PriorityClaim("online", "We also work online."),
        ),
        budget=(
            BudgetLine("staff", D(60_000), ("gender",), "Counselling for women and girls"),
            BudgetLine("other", D(30_000), ("shelters",), "accommodation costs (rent)"),
            BudgetLine("equipment", D(10_000), ("gender",), "Office chairs"),
        ),
        activities=(
            Activity(
                "WP1", ("gender", "shelters"), "Counselling for women and girls in the shelter"
            ),
            Activity("WP2", ("shelters",), "Run the safe accommodation"),
            Activity("WP3"),
            Activity("WP4"),
        ),
        target_groups=("women", "victims"),
        indicators=(
            Indicator("Number of women assisted"),
            Indicator("Victims referred", ("Sex",)),
            Indicator("Shelter places available"),
        ),
    )
    fields.update(changes)
    return AlignmentInput(**fields)


def test_worked_example_components_and_scores():
    result = align(proposal(), SMALL, WEIGHTS, EXACT)
    gender = result.priority("gender")
    # claim: claimed 0.4 + justification of 40+ characters 0.3 + an action sentence with a
    # phrase 0.3. share: the supported lines are 60 % of the budget (the office chairs'
    # own text does not support the tag), 1 of 4 activities: 0.5 + 0.5 = 1.
    assert (gender.components.claim, gender.components.share) == (1.0, 1.0)
    # text: the action sentence has 'gender dimension' (2.0 -> 1.0, capped); the keyword line
    # is stuffed (0.1 x 1.0) and counts half as the second passage: (1.0 + 0.05) / 1.5 = 0.7
    assert gender.components.text == 0.7
    # fit: target groups 1 of 2 (the text addresses gender, so they count) 0.5, indicators 2
    # of 2 -> 0.75
    assert gender.components.fit == 0.75
    assert gender.evidence_strength == 0.8281  # (0.30 + 0.1875 + 0.175) / 0.80
    assert gender.score == 0.8625  # 0.20 + 0.6625
    assert gender.addressed and gender.claimed and not gender.claimed_not_evidenced
    [chairs] = gender.unsupported_tags
    assert chairs.source == "budget:2" and "Office chairs" in chairs.detail

    shelters = result.priority("shelters")
    # text: 'specialised shelter' + 'safe accommodation' (1.0 each): 0.5 + 0.25 * 0.5 = 0.625,
    # then the keyword line ('specialised shelter' only) 0.1 * 0.5 at half:
    # (0.625 + 0.025) / 1.5 = 0.4333
    assert shelters.components.text == 0.4333
    # fit: victims 1/1, indicators 1/2, budget hints 1/1 -> 2.5 / 3
    assert shelters.components.fit == 0.8333 and shelters.components.share == 1.0
    assert shelters.score == 0.6167  # 0.30 + 0.25 * 5/6 + 0.25 * 0.4333
    # WP1's own text says "shelter", not one of the phrases: its shelters tag does not count
    assert [e.source for e in shelters.unsupported_tags] == ["activity:0"]

    data = result.priority("data")
    # claimed without justification: claim 0.4; no fit rules: 0.2 * 0.4 / 0.75
    assert data.components == data.components.__class__(0.4, 0.0, None, 0.0)
    assert data.score == 0.1067 and data.claimed_not_evidenced
    assert "claimed but not evidenced" in data.explanation
    # explanations in words, for evaluators: shares in per cent, no code, no "(s)"
    assert shelters.explanation.startswith(f"{shelters.label}: 62 % from the claim ")
    assert "1 tag is not supported" in shelters.explanation
    assert "(shelters)" not in shelters.explanation and "(s)" not in shelters.explanation
    assert "evidence strength 0 %, below" in data.explanation

    # 100 * (0.6 * 0.8625 + 0.2 * 0.6167 + 0.2 * 0.1067)
    assert result.total == 66.22
    assert result.claimed_not_evidenced == ("data",)
    assert result.unweighted_claims == ("online",)
    assert [p.priority for p in result.priorities] == ["data", "gender", "shelters"]
    assert "unsupported-tags" in result.flags


def test_text_evidence_is_passages_with_offsets_and_reasons():
    result = align(proposal(), SMALL, WEIGHTS, EXACT)
    gender = result.priority("gender")
    texts = [e for e in gender.evidence if e.kind == "text"]
    assert [TEXT[e.start : e.end] for e in texts] == [ACTION_GENDER, KEYWORDS]
    assert "'gender dimension'" in texts[0].detail and "an action sentence" in texts[0].detail
    assert "stuffed" in texts[1].detail
    for m in gender.text_matches:
        assert TEXT[m.start : m.end] == m.matched
    stuffed = [e for e in result.flagged_passages if e.kind == "stuffed"]
    assert [TEXT[e.start : e.end] for e in stuffed] == [KEYWORDS]


def test_keyword_lists_repetition_and_declarations_count_little():
    aligner = Aligner(SMALL, {"gender": 1}, AlignmentSettings(semantic=False, full_text=3.0))

    def text_part(text):
        return aligner.align(AlignmentInput("P", text)).priority("gender").components.text

    action = text_part(ACTION_GENDER)
    assert action == round(1 / 3, 4)
    assert text_part("Keywords: gender dimension, women and girls, gender-sensitive") < 0.1
    assert text_part("gender dimension women and girls gender-sensitive") < 0.1  # salad
    assert text_part((ACTION_GENDER + " ") * 20) == action  # a repeated passage counts once
    declaration = "The project is fully aligned with the strategy's gender dimension for women."
    assert text_part(declaration) < action / 2
    # diminishing returns: each further passage counts half as much as the one before
    two = text_part(ACTION_GENDER + "\n" + "We train judges on the gender dimension of cases.")
    three = text_part(
        ACTION_GENDER
        + "\nWe train judges on the gender dimension of cases."
        + "\nWe train nurses on the gender dimension of care."
    )
    assert action < two < three and three - two < two - action


def test_density_flags_stuffing():
    stuffed = (
        " ".join(["We address the gender dimension of women and girls."] * 1)
        + "\n"
        + ("\n".join(["gender dimension, women and girls, gender-sensitive"] * 3))
    )
    result = align(AlignmentInput("P", stuffed), SMALL, {"gender": 1}, EXACT)
    assert "stuffing" in result.flags and result.density > 0.35
    honest_text = ACTION_GENDER + " We meet each woman every week and help her find a job."
    honest = align(AlignmentInput("P", honest_text), SMALL, {"gender": 1}, EXACT)
    assert "stuffing" not in honest.flags and honest.density < 0.35


def test_passages_copied_from_the_strategy_count_little_and_are_flagged():
    d = descriptors()
    copied = "\n".join(d["labour"].strategy_text)
    own = (
        "Labour inspectors and police visit farms together and talk to the workers about "
        "forced labour and unpaid wages."
    )
    aligner = Aligner(d, {"labour": 1}, AlignmentSettings(semantic=False))
    quoted = aligner.align(AlignmentInput("P", copied))
    written = aligner.align(AlignmentInput("P", own))
    assert "copied-strategy" in quoted.flags
    assert quoted.priority("labour").components.text < written.priority("labour").components.text
    assert all(p.kind == "quoted" for p in passages(copied, d.quoted_shingles()))


def test_tags_count_only_where_the_items_own_text_supports_them():
    aligner = Aligner(SMALL, {"shelters": 1}, EXACT)
    budget = (BudgetLine("other", D(50_000), ("shelters",), "Office furniture"),)
    base = AlignmentInput(
        "P", "", budget=budget, activities=(Activity("Buy desks", ("shelters",)),)
    )
    unsupported = aligner.align(base).priority("shelters")
    assert unsupported.components.share == 0.0 and len(unsupported.unsupported_tags) == 2
    supported = aligner.align(
        AlignmentInput(
            "P",
            "",
            budget=(BudgetLine("other", D(50_000), ("shelters",), "Rent of safe accommodation"),),
            activities=(Activity("Open a specialised shelter", ("shelters",)),),
        )
    ).priority("shelters")
    assert supported.components.share == 1.0 and not supported.unsupported_tags
    # a description stuffed with several priorities' phrasing supports none of them
    stuffed = Aligner(SMALL, {"shelters": 1, "gender": 1}, EXACT).align(
        AlignmentInput(
            "P",
            "",
            budget=(
                BudgetLine(
                    "other",
                    D(1),
                    ("shelters", "gender"),
                    "specialised shelter safe accommodation gender dimension",
                ),
            ),
        )
    )
    assert all(p.components.share == 0 for p in stuffed.priorities)


def test_claimed_not_evidenced_fires_on_stuffed_claims_not_on_plain_honest_ones():
    d = descriptors()
    weights = {"shelters": 2, "gender": 1}
    aligner = Aligner(d, weights)
    stuffed = aligner.align(
        AlignmentInput(
            "S",
            "We will buy office chairs.\nKeywords: specialised shelters, gender-specific, women",
            claims=(PriorityClaim("shelters", "Specialised shelters, safe accommodation."),),
            budget=(BudgetLine("equipment", D(10_000), ("shelters",), "Office chairs"),),
            target_groups=("women", "victims"),
        )
    )
    honest = aligner.align(
        AlignmentInput(
            "H",
            "We run a house with twelve places where women who escaped exploitation can stay "
            "safely for a year, and a counsellor helps each of them plan her next steps.",
            claims=(
                PriorityClaim("shelters", "The project runs a house where women stay safely."),
            ),
            budget=(BudgetLine("other", D(10_000), ("shelters",), "Rent of the house"),),
            target_groups=("women", "victims"),
        )
    )
    assert stuffed.claimed_not_evidenced == ("shelters",)
    assert honest.claimed_not_evidenced == ()
    assert honest.total > stuffed.total


def test_the_semantic_signal_finds_meaning_without_the_phrase():
    d = descriptors()
    text = "Recruiters post fake job ads for au pairs and waitresses on the street."
    with_meaning = Aligner(d, {"labour": 1}).align(AlignmentInput("P", text)).priority("labour")
    phrases_only = (
        Aligner(d, {"labour": 1}, AlignmentSettings(semantic=False))
        .align(AlignmentInput("P", text))
        .priority("labour")
    )
    assert phrases_only.components.text == 0.0 and not phrases_only.text_matches
    assert with_meaning.components.text > 0
    [why] = [e.detail for e in with_meaning.evidence if e.kind == "text"]
    assert "close in meaning" in why and "fake job offers" in why


def test_the_model_loads_with_the_network_blocked():
    script = (
        "import socket\n"
        "def refuse(*a, **k):\n"
        "    raise OSError('network blocked in this test')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "from scoring.semantic import model\n"
        "rows = model().embed_words([('children', 'sold'), ()])\n"
        "assert rows.shape == (2, 256) and rows[0].any() and not rows[1].any()\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_result_is_a_plain_value_that_reads_back_equal():
    result = align(proposal(), SMALL, WEIGHTS, EXACT)
    data = json.loads(json.dumps(result.to_dict()))
    assert AlignmentResult.from_dict(data) == result
    with pytest.raises(ValueError, match="not an alignment result"):
        AlignmentResult.from_dict({"total": 1})


def test_weights_are_normalised_and_zero_weights_dropped():
    assert normalise_weights({"b": 1, "a": 3, "c": 0}) == {"a": 0.75, "b": 0.25}
    with pytest.raises(ValueError):
        normalise_weights({"a": 0})
    with pytest.raises(ValueError):
        normalise_weights({"a": -1, "b": 2})
    with pytest.raises(KeyError, match="no descriptors"):
        Aligner(SMALL, {"unknown": 1})


def test_settings_change_the_formula():
    strict = AlignmentSettings(semantic=False, min_evidence=0.95)
    result = align(proposal(), SMALL, WEIGHTS, strict)
    assert result.claimed_not_evidenced == ("data", "gender")
    for bad in (
        {"full_text": 0},
        {"passage_decay": 0},
        {"semantic_low": 0.9, "semantic_high": 0.5},
    ):
        with pytest.raises(ValueError):
            AlignmentSettings(**bad)


def test_with_the_real_descriptors():
    text = (
        "Our shelter for child victims offers child-friendly, safe accommodation; unaccompanied "
        "minors are referred through the national referral mechanism."
    )
    p = AlignmentInput(
        "R1",
        text,
        claims=(PriorityClaim("child", "We appoint guardians and give child-sensitive care."),),
        target_groups=("unaccompanied-minors", "children"),
        indicators=(Indicator("Children accommodated", ("age",)),),
        budget=(BudgetLine("other", D(5000), ("shelters",), "Accommodation costs"),),
    )
    result = align_many([p], descriptors(), {"child": 2, "shelters": 1, "referral": 1})
    child = result["R1"].priority("child")
    assert {m.phrase for m in child.text_matches} >= {"child victims", "child-friendly", "minors"}
    assert child.addressed and child.components.fit > 0
    referral = result["R1"].priority("referral")
    # "referred": the verb is a plain phrase of referral, with its doubled -r- forms
    assert [m.matched for m in referral.text_matches] == ["referred", "national referral mechanism"]
    assert result["R1"].priority("shelters").components.share == 0.5  # budget; no activities
    assert 0 < result["R1"].total <= 100


@pytest.mark.parametrize(
    ("code", "sentence", "phrase"),
    [
        # the strategy's "referral to assistance, support and protection services", in plain verbs
        (
            "referral",
            "Meeting women at risk, our team will direct them to a lawyer and a doctor.",
            "direct them to",
        ),
        (
            "referral",
            "Our case workers connect victims with lawyers and doctors.",
            "direct them to",
        ),
        ("referral", "The police will apply the NRM in every case they open.", "NRM"),
        ("referral", "We will write standard operating procedures for the two countries.", "NRM"),
        (
            "referral",
            "Partners use national and transnational mechanisms to help victims.",
            "national and transnational mechanisms",
        ),
        # section 4.3: online recruitment and the traffickers' technology
        (
            "online",
            "We will study how girls are recruited online by fake agencies.",
            "recruited online",
        ),
        (
            "online",
            "The team will analyse how the gangs use technology to control women.",
            "technology",
        ),
        (
            "early-identification",
            "The teams will train staff in finding victims at ports.",
            "find victims",
        ),
    ],
)
def test_plain_forms_of_the_strategys_priorities_address_them(code, sentence, phrase):
    result = align(AlignmentInput("S", sentence), descriptors(), {code: 1})
    found = result.priority(code)
    assert phrase in {m.phrase for m in found.text_matches}
    assert found.addressed, found.components


def test_e_learning_is_training_not_the_online_dimension():
    text = "We will produce a handbook and an e-learning course for labour inspectors."
    result = align(AlignmentInput("E", text), descriptors(), {"online": 1, "training": 1})
    assert not result.priority("online").text_matches
    assert result.priority("training").addressed


def test_negative_budget_is_refused():
    with pytest.raises(ValueError, match="negative"):
        align(proposal(budget=(BudgetLine("staff", D(-1)),)), SMALL, WEIGHTS, EXACT)


def test_a_phrase_inside_a_funding_programmes_name_is_not_evidence():
    """'Prevention' in 'the Prevention of and Fight against Crime programme' names the funder;
    the same word in a sentence about the project's own work still counts."""
    funded = (
        "Funded under the Prevention of and Fight against Crime programme, the partners met in "
        "Vienna for two years."
    )
    weights = {"awareness": 1}
    result = align(AlignmentInput("F", funded), descriptors(), weights)
    assert not result.priority("awareness").text_matches
    assert not result.priority("awareness").addressed
    assert result.density == 0.0
    own = funded + "\nThe partners will run prevention workshops in twelve schools."
    result = align(AlignmentInput("F", own), descriptors(), weights)
    found = result.priority("awareness")
    assert "prevention" in [own[m.start : m.end] for m in found.text_matches]
    assert all(m.start > len(funded) for m in found.text_matches) and found.addressed


def test_a_projects_consortium_is_not_evidence_of_cooperation():
    """Every EU grant has partners in several countries: saying so is not the cooperation
    dimension; authorities working together across borders is."""
    weights = {"cooperation": 1}
    consortium = "Nine partners in seven countries, led by a university, ran the project from 2014."
    found = align(AlignmentInput("C", consortium), descriptors(), weights).priority("cooperation")
    assert not found.text_matches and not found.addressed
    joint = "Police in the three countries will work together on joint investigations of the gangs."
    found = align(AlignmentInput("C", joint), descriptors(), weights).priority("cooperation")
    assert {m.matched for m in found.text_matches} == {"work together", "joint"} and found.addressed


def test_a_phrase_written_as_part_of_a_name_is_not_evidence():
    """'Children' in 'Save the Children' names a partner, 'Study' in 'the Center for the Study
    of Democracy' an institute: a lower-case phrase of the lexicon matched with a capital inside
    a sentence is a word of a name. At the start of a sentence or a line it still counts."""
    weights = {"child": 1, "data": 1}
    named = "The project was run with Save the Children and the Center for the Study of Democracy."
    result = align(AlignmentInput("N", named), descriptors(), weights)
    assert not result.priority("child").text_matches
    assert not result.priority("data").text_matches
    own = named + " Children who were moved abroad were interviewed.\nStudy visits took place."
    result = align(AlignmentInput("N", own), descriptors(), weights)
    child = [own[m.start : m.end] for m in result.priority("child").text_matches]
    assert child == ["Children"] and result.priority("child").text_matches[0].start > len(named)
    data = [own[m.start : m.end] for m in result.priority("data").text_matches]
    assert data == ["interviewed", "Study"]


def test_finding_victims_is_not_research_findings():
    """'findings' is research; 'finding victims' is identification, not the data dimension."""
    weights = {"data": 1}
    text = "Police became better at finding victims. The findings were published in a report."
    matched = [
        m.matched
        for m in align(AlignmentInput("F", text), descriptors(), weights)
        .priority("data")
        .text_matches
    ]
    assert "finding" not in matched and "findings" in matched
