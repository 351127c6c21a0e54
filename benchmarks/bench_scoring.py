"""Benchmark of scoring/: rank and select 10 000 proposals, align 10 000 texts of 15 KB.

Run from the repository root: `python -m benchmarks.bench_scoring [--proposals N]`.
Writes the figures into benchmarks/RESULTS.md (section "## scoring") and prints them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import random
import re
import resource
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

from scoring import (
    Activity,
    Aligner,
    AlignmentInput,
    BudgetLine,
    CallRules,
    Candidate,
    Criterion,
    Evaluation,
    Indicator,
    PriorityClaim,
    load_descriptors,
    rank,
    score_proposals,
    select,
    what_if,
)

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
README = Path(__file__).resolve().parent.parent / "scoring" / "README.md"
README_BLOCK = re.compile(r"(<!-- bench:start -->\n).*?(<!-- bench:end -->)", re.S)
TOPICS = ("T1", "T2", "T3", "T4", "T5")
TEXT_BYTES = 15_000
FILLER_TEXT = (
    "the project will deliver its work packages on time within the agreed budget with "
    "quarterly reporting to a steering committee of partners from several member states "
    "our organisation has long experience in the field and a network of local actors who "
    "know the communities well we plan meetings workshops field visits and a final "
    "conference results will be published and shared with national authorities the "
    "methodology combines desk research interviews and case studies risks are monitored "
    "by the coordinator and mitigation measures are foreseen for each activity staff "
    "are qualified and the budget is proportionate to the expected outputs and outcomes"
)
FILLER = FILLER_TEXT.split()
RULES = CallRules(
    criteria=(
        Criterion("relevance", "Relevance", Decimal(30), Decimal(15)),
        Criterion("quality", "Quality", Decimal(20), Decimal(10)),
        Criterion("partnership", "Partnership", Decimal(10), Decimal(5)),
        Criterion("cost", "Cost-effectiveness", Decimal(15), Decimal("7.5")),
        Criterion("impact", "Impact", Decimal(25), Decimal("12.5")),
    ),
    overall_threshold=Decimal(70),
)


def make_evaluations(n: int, rng: random.Random):
    evaluations, contributions, topics = [], {}, {}
    for i in range(n):
        pid = f"P{i:05d}"
        quality = rng.random()
        for e in range(3):
            evaluator = f"E{rng.randrange(300):03d}"
            while any(ev.evaluator_id == evaluator for ev in evaluations[-e:] if e):
                evaluator = f"E{rng.randrange(300):03d}"
            scores = {}
            for criterion in RULES.criteria:
                steps = int(criterion.max_points / criterion.step)
                centre = quality * steps + rng.gauss(0, steps * 0.1)
                scores[criterion.code] = criterion.step * max(0, min(steps, round(centre)))
            evaluations.append(Evaluation(pid, evaluator, scores))
        contributions[pid] = Decimal(rng.randrange(50_000, 1_000_000, 500))
        topics[pid] = TOPICS[i % len(TOPICS)]
    return evaluations, contributions, topics


def bench_ranking(n: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    evaluations, contributions, topics = make_evaluations(n, rng)
    budgets = {t: Decimal(n // len(TOPICS)) * Decimal(60_000) for t in TOPICS}
    gc.collect()
    t0 = time.perf_counter()
    scores = score_proposals(RULES, evaluations)
    t1 = time.perf_counter()
    candidates = [
        Candidate.from_score(s, contributions[pid], topic=topics[pid], alignment=Decimal(50))
        for pid, s in scores.items()
    ]
    ranking = rank(RULES, candidates)
    t2 = time.perf_counter()
    selection = select(ranking, budgets, policy="skip", reserve_size=20)
    t3 = time.perf_counter()
    alternative = what_if(ranking, selection, {t: b * 2 for t, b in budgets.items()})
    t4 = time.perf_counter()
    ranked = sum(len(t.ranked) for t in ranking.topics)
    return {
        "aggregate": t1 - t0,
        "rank": t2 - t1,
        "select": t3 - t2,
        "what_if": t4 - t3,
        "total": t3 - t0,
        "ranked": ranked,
        "selected": len(selection.selected_ids),
        "selected_what_if": len(alternative.selection.selected_ids),
    }


def make_phrases(descriptors) -> list[str]:
    forms = []
    for code in descriptors.codes:
        for phrase in descriptors[code].phrases:
            forms.extend(f.replace("*", "") for f in phrase.forms)
    return sorted(set(forms))


def make_text(rng: random.Random, phrases: list[str]) -> str:
    """About 15 KB of proposal-like prose; roughly one sentence in three names a priority."""
    sentences, size = [], 0
    while size < TEXT_BYTES:
        words = rng.choices(FILLER, k=rng.randint(12, 25))
        if rng.random() < 0.35:
            words.insert(rng.randrange(len(words)), rng.choice(phrases))
        sentence = " ".join(words).capitalize() + "."
        sentences.append(sentence)
        size += len(sentence) + 1
        if rng.random() < 0.15:
            sentences.append("\n\n")
    return " ".join(sentences)


def make_proposal(i: int, rng: random.Random, codes: list[str], phrases: list[str]):
    tags = lambda: tuple(rng.sample(codes, rng.randint(0, 2)))  # noqa: E731
    return AlignmentInput(
        proposal_id=f"P{i:05d}",
        text=make_text(rng, phrases),
        claims=tuple(
            PriorityClaim(c, "We address this priority: " + " ".join(rng.sample(phrases, 2)))
            for c in rng.sample(codes, 3)
        ),
        budget=tuple(
            BudgetLine(cat, Decimal(rng.randrange(1_000, 200_000)), tags(), rng.choice(phrases))
            for cat in ("staff", "travel", "equipment", "subcontracting", "other", "indirect")
        ),
        activities=tuple(Activity(f"WP{k}", tags()) for k in range(5)),
        target_groups=("women", "children", "victims", "law-enforcement"),
        indicators=(
            Indicator("Victims assisted", ("sex", "age")),
            Indicator("Professionals trained"),
            Indicator("Shelter places"),
            Indicator("People reached by the campaign"),
        ),
    )


def bench_alignment(n: int, seed: int) -> dict[str, float]:
    descriptors = load_descriptors()
    codes = list(descriptors.codes)  # every dimension and area: 21 priorities
    weights = {c: 1 for c in codes}
    phrases = make_phrases(descriptors)
    rng = random.Random(seed)
    t0 = time.perf_counter()
    aligner = Aligner(descriptors, weights)
    build = time.perf_counter() - t0
    spent = 0.0
    matches = 0
    text_bytes = 0
    totals = []
    for i in range(n):
        proposal = make_proposal(i, rng, codes, phrases)  # generation is not timed
        text_bytes += len(proposal.text.encode())
        start = time.perf_counter()
        result = aligner.align(proposal)
        spent += time.perf_counter() - start
        matches += sum(len(p.text_matches) for p in result.priorities)
        totals.append(result.total)
    return {
        "build": build,
        "total": spent,
        "per_text_ms": spent / n * 1000,
        "priorities": len(codes),
        "mean_text_kb": text_bytes / n / 1000,
        "mean_matches": matches / n,
    }


def traced_peak(fn, *args) -> float:
    """Peak traced Python allocation of fn(*args), in MiB (timing runs are not traced)."""
    gc.collect()
    tracemalloc.start()
    fn(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    match = re.search(r"model name\s*:\s*(.+)", text)
    return match.group(1).strip() if match else "unknown"


def write_results(section: str) -> None:
    previous = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(r"^## scoring\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(previous):
        updated = pattern.sub(lambda _: section, previous)
    else:
        updated = previous.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(updated.rstrip("\n") + "\n")


def write_readme(section: str) -> None:
    """Copy the figures into scoring/README.md between its bench markers."""
    if not README.exists():
        return
    body = section.split("\n", 2)[2].strip()  # without the "## scoring" heading
    text = README.read_text()
    if README_BLOCK.search(text):
        README.write_text(README_BLOCK.sub(lambda m: f"{m[1]}{body}\n{m[2]}", text))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--texts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)

    load_before = os.getloadavg()[0]
    ranking = bench_ranking(args.proposals, args.seed)
    alignment = bench_alignment(args.texts, args.seed)
    peak_ranking = traced_peak(bench_ranking, args.proposals, args.seed)
    sample = min(args.texts, 1_000)
    peak_alignment = traced_peak(bench_alignment, sample, args.seed)
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    ok = lambda good: "met" if good else "MISSED"  # noqa: E731
    rows = [
        ("Aggregate 3 evaluations x 5 criteria", f"{ranking['aggregate']:.3f} s", ""),
        ("Rank (5 topics, thresholds, tie-breaks)", f"{ranking['rank']:.3f} s", ""),
        ("Select (skip policy, reserve 20 per topic)", f"{ranking['select']:.3f} s", ""),
        (
            "**Aggregate + rank + select**",
            f"**{ranking['total']:.3f} s**",
            f"< 2 s: {ok(ranking['total'] < 2)}",
        ),
        ("What-if (double budget)", f"{ranking['what_if']:.3f} s", ""),
        ("Aligner build (index of all priorities)", f"{alignment['build'] * 1000:.1f} ms", ""),
        (
            f"**Alignment of {args.texts:,} texts** ({alignment['priorities']} priorities)",
            f"**{alignment['total']:.2f} s**",
            f"< 20 s: {ok(alignment['total'] < 20)}",
        ),
        ("Alignment per text", f"{alignment['per_text_ms']:.2f} ms", "about 2 ms"),
        ("Peak traced memory, aggregate + rank + select", f"{peak_ranking:.1f} MiB", ""),
        (f"Peak traced memory, alignment of {sample:,} texts", f"{peak_alignment:.1f} MiB", ""),
        ("Process max RSS (whole benchmark)", f"{max_rss:.0f} MiB", ""),
    ]
    table = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)
    section = (
        "## scoring\n\n"
        f"Measured {dt.date.today().isoformat()} by `python -m benchmarks.bench_scoring` on "
        f"{os.cpu_count()} cores ({cpu_model()}), Python {platform.python_version()}, "
        f"{platform.system()}; load average {load_before:.2f} when it started (the machine is "
        "shared, so figures taken under load are pessimistic).\n\n"
        f"Ranking input: {args.proposals:,} proposals in 5 topics, 3 evaluations of 5 criteria "
        f"each ({ranking['ranked']:,} above threshold, {ranking['selected']:,} selected). "
        f"Alignment input: {args.texts:,} generated texts of {alignment['mean_text_kb']:.1f} KB "
        f"on average ({alignment['mean_matches']:.0f} descriptor passages each), with claims, "
        "6 budget lines, 5 activities, target groups and 4 indicators; text generation is not "
        "timed. Memory peaks come from separate tracemalloc runs that include the generated "
        "input (timings are untraced).\n\n"
        "| Measure | Result | Target |\n| --- | --- | --- |\n"
        f"{table}\n"
    )
    print(section)
    if not args.no_write:
        write_results(section)
        write_readme(section)
        print(f"written to {RESULTS} and {README}")
    if ranking["total"] >= 2 or alignment["total"] >= 20:
        print("a target was missed", file=sys.stderr)


if __name__ == "__main__":
    main()
