"""Priority alignment on real projects and probes: per-priority precision, recall, F1; timing.

Reads benchmarks/data/alignment_devset.toml (65 real EU-funded projects, labelled by dimension,
every third one in file order held out) and benchmarks/data/alignment_probes.toml (paraphrased
and gamed probes with their honest counterparts). When benchmarks/data/alignment_fresh.toml exists
(a fresh held-out set, labelled before the scorer was run on it and never tuned on), its micro
and per-dimension figures are reported beside the held-out ones; the targets do not change.
Writes the figures into benchmarks/RESULTS.md
(section "## alignment") and into scoring/README.md between its alignment markers, and prints them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import statistics
import sys
import time
import tomllib
from decimal import Decimal
from pathlib import Path

from benchmarks.bench_scoring import cpu_model
from scoring import (
    Activity,
    Aligner,
    AlignmentInput,
    AlignmentSettings,
    BudgetLine,
    Indicator,
    PriorityClaim,
    load_descriptors,
)
from scoring.alignment import METHOD_VERSION
from scoring.semantic import model

HERE = Path(__file__).resolve().parent
DEVSET = HERE / "data" / "alignment_devset.toml"
PROBES = HERE / "data" / "alignment_probes.toml"
FRESH = HERE / "data" / "alignment_fresh.toml"
RESULTS = HERE / "RESULTS.md"
README = HERE.parent / "scoring" / "README.md"
README_BLOCK = re.compile(
    r"(<!-- alignment-bench:start -->\n).*?(<!-- alignment-bench:end -->)", re.S
)


def load(path: Path) -> dict:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def load_fresh(path: Path, codes: list[str]) -> list[dict]:
    """The fresh held-out projects, or [] when the file does not exist; unknown labels refused."""
    if not path.exists():
        return []
    projects = load(path)["project"]
    for project in projects:
        unknown = set(project["labels"]) - set(codes)
        if unknown:
            raise ValueError(f"{path.name}: {project['id']} has unknown labels {sorted(unknown)}")
    return projects


def dimensions(descriptors) -> list[str]:
    return [c for c in descriptors.codes if descriptors[c].kind == "dimension"]


def found(aligner: Aligner, text: str, pid: str = "P") -> set[str]:
    result = aligner.align(AlignmentInput(pid, text))
    return {p.priority for p in result.priorities if p.addressed}


def evaluate(aligner: Aligner, projects: list[dict], codes: list[str]) -> dict:
    """Micro precision/recall/F1 over all (project, priority) pairs, and per priority."""
    counts = {c: [0, 0, 0] for c in codes}  # tp, fp, fn
    for project in projects:
        predicted = found(aligner, project["text"], project["id"])
        gold = set(project["labels"])
        for c in codes:
            counts[c][0] += c in predicted and c in gold
            counts[c][1] += c in predicted and c not in gold
            counts[c][2] += c in gold and c not in predicted
    tp, fp, fn = (sum(v[i] for v in counts.values()) for i in range(3))
    return {"micro": prf(tp, fp, fn), "per": {c: prf(*v) for c, v in counts.items()}}


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float, int]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, tp + fn


def proposal(item: dict) -> AlignmentInput:
    lines = []
    for raw in item.get("budget", []):
        category, amount, tags, description = (part.strip() for part in raw.split("|"))
        codes = tuple(t.strip() for t in tags.split(",") if t.strip())
        lines.append(BudgetLine(category, Decimal(amount), codes, description))
    return AlignmentInput(
        item["id"],
        item["text"],
        claims=tuple(PriorityClaim(c["priority"], c["justification"]) for c in item["claims"]),
        budget=tuple(lines),
        activities=tuple(
            Activity(a["title"], tuple(a["priorities"]), a["description"])
            for a in item.get("activities", [])
        ),
        target_groups=tuple(item.get("target_groups", [])),
        indicators=tuple(
            Indicator(i["name"], tuple(i.get("disaggregations", [])))
            for i in item.get("indicators", [])
        ),
    )


def probe_results(descriptors, probes: dict, settings: AlignmentSettings) -> dict:
    codes = dimensions(descriptors)
    aligner = Aligner(descriptors, {c: 1 for c in codes}, settings)
    intended = hits = 0
    rows = []
    for p in probes["paraphrased"]:
        got = found(aligner, p["text"], p["id"])
        want = set(p["intended"])
        intended += len(want)
        hits += len(want & got)
        rows.append((p["id"], sorted(want & got), sorted(want - got), sorted(got - want)))
    honest = {h["id"]: h for h in probes["honest"]}
    pairs = []
    for g in probes["gamed"]:
        h = honest[g["topic"]]
        aligner = Aligner(descriptors, h["weights"], settings)
        good = aligner.align(proposal(h))
        bad = aligner.align(proposal(g))
        flagged = list(bad.flags) + (["claimed-not-evidenced"] if bad.claimed_not_evidenced else [])
        pairs.append((g["id"], h["id"], good.total, bad.total, flagged, list(good.flags)))
    return {"paraphrased": (hits, intended, rows), "gamed": pairs}


def fifteen_kb(projects: list[dict]) -> str:
    text, i = [], 0
    while sum(len(t) + 2 for t in text) < 15_000:
        text.append(projects[i % len(projects)]["text"])
        i += 1
    return "\n\n".join(text)[:15_360]


def timed_item(codes: list[str], text: str) -> AlignmentInput:
    """The timed proposal: `text` with claims, tagged budget lines and activities, target
    groups and an indicator, as a call's submission gives them."""
    return AlignmentInput(
        "T",
        text,
        claims=tuple(
            PriorityClaim(c, f"We work on {c} with partners in three countries.") for c in codes[:5]
        ),
        budget=tuple(
            BudgetLine("staff", Decimal(10_000), (c,), f"Staff for {c}") for c in codes[:6]
        ),
        activities=tuple(Activity(f"WP{i}", (c,), f"Work on {c}") for i, c in enumerate(codes[:5])),
        target_groups=("women", "children", "victims"),
        indicators=(Indicator("Victims identified", ("sex", "age")),),
    )


def timing(projects: list[dict], runs: int, load_s: float) -> dict:
    descriptors = load_descriptors()  # fresh: the Aligner build below is not cached
    codes = dimensions(descriptors)
    started = time.perf_counter()
    aligner = Aligner(descriptors, {c: 1 for c in codes})
    build_s = time.perf_counter() - started
    phrases_only = Aligner(descriptors, {c: 1 for c in codes}, AlignmentSettings(semantic=False))
    text = fifteen_kb(projects)
    item = timed_item(codes, text)
    first = time.perf_counter()
    aligner.align(item)
    cold_ms = (time.perf_counter() - first) * 1000

    def median_ms(a: Aligner, clock=time.perf_counter) -> float:
        times = []
        for _ in range(runs):
            t0 = clock()
            a.align(item)
            times.append((clock() - t0) * 1000)
        return statistics.median(times)

    return {
        "load_s": load_s,
        "build_ms": build_s * 1000,
        "cold_ms": cold_ms,
        "both_ms": median_ms(aligner),
        "phrases_ms": median_ms(phrases_only),
        "phrases_cpu_ms": median_ms(phrases_only, time.process_time),
        "both_cpu_ms": median_ms(aligner, time.process_time),
        "kb": len(text.encode()) / 1024,
        "codes": len(codes),
    }


def fmt(v: float) -> str:
    return f"{v:.2f}"


def per_priority_table(tune: dict, held: dict) -> str:
    rows = [
        "| Priority | P (tune) | R (tune) | F1 (tune) | n "
        "| P (held out) | R (held out) | F1 (held out) | n |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for code in tune["per"]:
        a, b = tune["per"][code], held["per"][code]
        rows.append(
            f"| {code} | {fmt(a[0])} | {fmt(a[1])} | {fmt(a[2])} | {a[3]} | "
            f"{fmt(b[0])} | {fmt(b[1])} | {fmt(b[2])} | {b[3]} |"
        )
    return "\n".join(rows)


def fresh_table(fresh: dict, phrases: dict) -> str:
    rows = [
        "| Priority | P | R | F1 | n | F1 phrases only |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for code, a in fresh["per"].items():
        rows.append(
            f"| {code} | {fmt(a[0])} | {fmt(a[1])} | {fmt(a[2])} | {a[3]} "
            f"| {fmt(phrases['per'][code][2])} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="timed alignments of the 15 KB text")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)

    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    model()  # the first use in this process loads the model
    load_s = time.perf_counter() - started
    descriptors = load_descriptors()
    codes = dimensions(descriptors)
    dev = load(DEVSET)["project"]
    probes = load(PROBES)
    tune = [p for p in dev if p["split"] == "tune"]
    held = [p for p in dev if p["split"] == "heldout"]
    fresh = load_fresh(FRESH, codes)
    both = Aligner(descriptors, {c: 1 for c in codes})
    phrases = Aligner(descriptors, {c: 1 for c in codes}, AlignmentSettings(semantic=False))
    scores = {
        (name, split): evaluate(aligner, items, codes)
        for name, aligner in (("both", both), ("phrases", phrases))
        for split, items in (("tune", tune), ("heldout", held), ("all", dev))
        + ((("fresh", fresh),) if fresh else ())
    }
    probe = probe_results(descriptors, probes, AlignmentSettings())
    probe_phrases = probe_results(descriptors, probes, AlignmentSettings(semantic=False))
    times = timing(dev, args.runs, load_s)

    ok = lambda good: "met" if good else "MISSED"  # noqa: E731
    micro = {k: v["micro"] for k, v in scores.items()}
    hits, intended, rows = probe["paraphrased"]
    hits_p, _, _ = probe_phrases["paraphrased"]
    gamed = probe["gamed"]
    gamed_ok = all(bad < good and flags for _, _, good, bad, flags, _ in gamed)
    summary = [
        (
            "**Dev set micro-F1, tune part** "
            f"({len(tune)} projects, {sum(len(p['labels']) for p in tune)} labels)",
            f"**{fmt(micro['both', 'tune'][2])}** (P {fmt(micro['both', 'tune'][0])}, "
            f"R {fmt(micro['both', 'tune'][1])}); phrases only {fmt(micro['phrases', 'tune'][2])}",
            f">= 0.8: {ok(micro['both', 'tune'][2] >= 0.8)}",
        ),
        (
            "**Dev set micro-F1, held-out part** "
            f"({len(held)} projects, {sum(len(p['labels']) for p in held)} labels)",
            f"**{fmt(micro['both', 'heldout'][2])}** (P {fmt(micro['both', 'heldout'][0])}, "
            f"R {fmt(micro['both', 'heldout'][1])}); phrases only "
            f"{fmt(micro['phrases', 'heldout'][2])}",
            f">= 0.8: {ok(micro['both', 'heldout'][2] >= 0.8)}",
        ),
        *(
            [
                (
                    "**Fresh held-out set micro-F1** "
                    f"({len(fresh)} projects, {sum(len(p['labels']) for p in fresh)} labels; "
                    "labelled before the scorer was run on it, never tuned on)",
                    f"**{fmt(micro['both', 'fresh'][2])}** (P {fmt(micro['both', 'fresh'][0])}, "
                    f"R {fmt(micro['both', 'fresh'][1])}); phrases only "
                    f"{fmt(micro['phrases', 'fresh'][2])} (P {fmt(micro['phrases', 'fresh'][0])}, "
                    f"R {fmt(micro['phrases', 'fresh'][1])})",
                    "reported beside the held-out part (same 0.8 bar, not a target)",
                )
            ]
            if fresh
            else []
        ),
        (
            f"Dev set micro-F1, whole set ({len(dev)} projects, "
            f"{sum(len(p['labels']) for p in dev)} labels)",
            f"{fmt(micro['both', 'all'][2])} (P {fmt(micro['both', 'all'][0])}, "
            f"R {fmt(micro['both', 'all'][1])}); phrases only {fmt(micro['phrases', 'all'][2])}",
            "",
        ),
        (
            f"**Paraphrased probes: intended priorities found** ({len(rows)} probes)",
            f"**{hits} of {intended} ({hits / intended:.0%})**; phrases only "
            f"{hits_p} of {intended} ({hits_p / intended:.0%})",
            f">= 80 %: {ok(hits >= 0.8 * intended)}",
        ),
        (
            f"**Gamed probes below their honest proposal and flagged** ({len(gamed)} probes)",
            f"**{sum(bad < good and bool(flags) for _, _, good, bad, flags, _ in gamed)} of "
            f"{len(gamed)}**",
            f"all: {ok(gamed_ok)}",
        ),
        (
            f"**One {times['kb']:.1f} KB proposal, both signals** ({times['codes']} priorities, "
            f"median of {args.runs})",
            f"**{times['both_cpu_ms']:.2f} ms CPU**, {times['both_ms']:.2f} ms wall (phrases only "
            f"{times['phrases_cpu_ms']:.2f} ms CPU; first call {times['cold_ms']:.1f} ms wall)",
            f"< 10 ms CPU: {ok(times['both_cpu_ms'] < 10)}",
        ),
        ("Model load (once per process)", f"{times['load_s'] * 1000:.0f} ms", ""),
        ("Aligner build (15 priorities, with semantic vectors)", f"{times['build_ms']:.0f} ms", ""),
    ]
    table = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in summary)
    probe_rows = "\n".join(
        f"| {pid} | {', '.join(hit) or '-'} | {', '.join(miss) or '-'} "
        f"| {', '.join(extra) or '-'} |"
        for pid, hit, miss, extra in rows
    )
    fresh_section = (
        "Per priority, fresh held-out set (benchmarks/data/alignment_fresh.toml, both signals; "
        "last column phrases only):\n\n"
        f"{fresh_table(scores['both', 'fresh'], scores['phrases', 'fresh'])}\n\n"
        if fresh
        else ""
    )
    gamed_rows = "\n".join(
        f"| {gid} | {hid} {good:.1f} | {bad:.1f} | {', '.join(flags) or 'none'} |"
        for gid, hid, good, bad, flags, _ in gamed
    )
    section = (
        "## alignment\n\n"
        f"Measured {dt.date.today().isoformat()} by `python -m benchmarks.bench_alignment` on "
        f"{os.cpu_count()} cores ({cpu_model()}), Python {platform.python_version()}, "
        f"{platform.system()}; load average {load_before:.2f} when it started and "
        f"{os.getloadavg()[0]:.2f} when it ended (the cores are shared; CPU time is what the "
        "other processes disturb least).\n\n"
        f"Data: benchmarks/data/alignment_devset.toml ({len(dev)} real EU-funded projects, "
        "described in our own words from their public pages, labelled with the 15 dimensions "
        "before the scorer was run on them; every third one in file order held out and not "
        "used to choose constants or descriptors) and benchmarks/data/alignment_probes.toml. "
        + (
            f"Fresh held-out set: benchmarks/data/alignment_fresh.toml ({len(fresh)} further real "
            "EU-funded projects, labelled and committed before the scorer was first run on them; "
            "never used to tune). "
            if fresh
            else ""
        )
        + "A dimension is found when the text part of its score reaches "
        "`AlignmentSettings.addressed`; the call weights all 15 dimensions equally. Descriptors: "
        f"seed/descriptors.toml version {descriptors.version} (digest {descriptors.digest[:12]}), "
        f"method {METHOD_VERSION}.\n\n"
        "| Measure | Result | Target |\n| --- | --- | --- |\n"
        f"{table}\n\n"
        "Per priority (both signals):\n\n"
        f"{per_priority_table(scores['both', 'tune'], scores['both', 'heldout'])}\n\n"
        f"{fresh_section}"
        "Paraphrased probes:\n\n| Probe | Found | Missed | Also found |\n"
        "| --- | --- | --- | --- |\n"
        f"{probe_rows}\n\n"
        "Gamed probes (totals of 100, the call weighting the honest proposal's priorities):\n\n"
        "| Gamed | Honest | Gamed total | Flags |\n| --- | --- | --- | --- |\n"
        f"{gamed_rows}\n"
    )
    print(section)
    if not args.no_write:
        write(section)
        print(f"written to {RESULTS} and {README}")
    met = (
        micro["both", "tune"][2] >= 0.8
        and micro["both", "heldout"][2] >= 0.8
        and hits >= 0.8 * intended
        and gamed_ok
        and times["both_cpu_ms"] < 10
    )
    if not met:
        print("a target was missed", file=sys.stderr)
        return 1
    return 0


def write(section: str) -> None:
    previous = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(r"^## alignment\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(previous):
        updated = pattern.sub(lambda _: section, previous)
    else:
        updated = previous.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(updated.rstrip("\n") + "\n")
    text = README.read_text()
    body = section.split("\n", 2)[2].strip()
    if README_BLOCK.search(text):
        README.write_text(README_BLOCK.sub(lambda m: f"{m[1]}{body}\n{m[2]}", text))


if __name__ == "__main__":
    sys.exit(main())
