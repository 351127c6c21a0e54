"""The reading shared by a report's typed lists (outcomes, recommendations): a text area of
one entry a line, "text [what is in the brackets]", where every bad line is refused with its
number so that the page says it at the field."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

MAX_LINES = 50
MAX_TEXT = 2000
_BRACKETS = re.compile(r"([^\[\]]*?)\s*\[([^\[\]]*)\]\s*")

Context = TypeVar("Context")


class LineProblem(ValueError):
    """What is wrong with one line, in words, without its number."""


def bracketed(text: str, what: str, example: str) -> tuple[str, str | None]:
    """(the text before the brackets, what stands in them, or None where there are none);
    LineProblem unless the brackets are one pair at the end (`what` goes in them, as in
    `example`)."""
    if "[" not in text and "]" not in text:
        return text, None
    match = _BRACKETS.fullmatch(text)
    if match is None:
        raise LineProblem(f"put {what} in one pair of brackets at the end, e.g. “… [{example}]”.")
    return match[1].strip(), match[2]


def checked_text(text: str, missing: str, entry: str) -> str:
    """`text`, or LineProblem when it is empty (`missing`) or too long (`entry`: "an outcome")."""
    if not text:
        raise LineProblem(missing)
    if len(text) > MAX_TEXT:
        raise LineProblem(f"keep {entry} under {MAX_TEXT} characters.")
    return text


def read_lines(
    typed: str,
    entries: str,
    parse: Callable[[str, Context], dict],
    context: Callable[[list[str]], Context],
) -> tuple[list[dict], list[str]]:
    """(the entries, the problems) of the non-blank lines of `typed`: `parse` reads one line
    with what `context` loaded once for all the lines, or raises LineProblem; `entries` names
    them in the refusal of too many lines ("outcomes")."""
    lines = [(n, line.strip()) for n, line in enumerate((typed or "").splitlines(), 1)]
    lines = [(n, line) for n, line in lines if line]
    if len(lines) > MAX_LINES:
        return [], [f"Give at most {MAX_LINES} {entries} (there are {len(lines)})."]
    loaded = context([line for _, line in lines])
    found, problems = [], []
    for number, line in lines:
        try:
            found.append(parse(line, loaded))
        except LineProblem as problem:
            problems.append(f"Line {number}: {problem}")
    return found, problems
