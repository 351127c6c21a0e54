"""The page sweep of the browser tests: each page of a journey at 1280 and 390 px, checked by
axe-core (vendored from the npm registry in tests/browser/vendor, never served by the app)
for serious and critical WCAG 2.1 AA violations, for sideways scrolling at 390 px and for a menu
running past the window's edge at either width."""

from __future__ import annotations

import json
import re
from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js"
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "sweep"
WIDTHS = (1280, 390)
# The rules axe runs: WCAG 2.0 and 2.1 A and AA, and the best practices WCAG implies.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                          resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + ": " +
                                               (n.failureSummary || "").split("\\n")[1])}));
}"""

_OVERFLOW = """() => {
  const root = document.documentElement;
  if (root.scrollWidth <= root.clientWidth) return null;
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.right > root.clientWidth + 1 && !el.closest(".table-responsive, .visually-hidden")) {
      wide.push(el.tagName + "." + [...el.classList].join(".") + " right=" + Math.round(box.right));
      if (wide.length > 4) break;
    }
  }
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide};
}"""


# The header at any width: nothing of the menu past the window's right edge (a manager who is
# also an admin pushed "Log out" off a 1280 px screen).
_HEADER = """() => {
  const limit = document.documentElement.clientWidth + 1;
  const out = [...document.querySelectorAll("header .navbar-brand, header .nav-link, header .bell")]
    .filter(el => el.offsetParent !== null && el.getBoundingClientRect().right > limit)
    .map(el => el.textContent.trim().slice(0, 30) + " right="
               + Math.round(el.getBoundingClientRect().right));
  return out.length ? out : null;
}"""

_SOURCE: list[str] = []


def _axe_source() -> str:
    if not _SOURCE:
        _SOURCE.append(AXE.read_text(encoding="utf-8"))
    return _SOURCE[0]


def log_in(page, base: str, user, password: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


def check_page(page, name: str, javascript: bool = True) -> list[str]:
    """Check the page already loaded at both widths; returns the problems found."""
    problems = []
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(50)  # let the layout settle after the resize
        overflow = page.evaluate(_OVERFLOW)
        if overflow and width == 390:
            problems.append(f"{name} @{width}: scrolls sideways {overflow}")
        header = page.evaluate(_HEADER)
        if header:
            problems.append(f"{name} @{width}: the menu runs past the window {header}")
        if javascript:
            if not page.evaluate("typeof axe !== 'undefined'"):
                page.evaluate(_axe_source())  # evaluate, not a script tag: the CSP allows none
            for v in page.evaluate(_RUN_AXE, AXE_TAGS):
                problems.append(
                    f"{name} @{width}: axe {v['impact']} {v['id']} ({v['help']}) {v['nodes']}"
                )
        suffix = "" if javascript else "-nojs"
        page.screenshot(path=str(SHOTS / f"{slug(name)}-{width}{suffix}.png"), full_page=True)
    return problems


def sweep(page, base: str, paths, javascript: bool = True) -> list[str]:
    """Visit each path (a page must answer 200) and check it; returns every problem found."""
    problems = []
    for path in paths:
        response = page.goto(base + path)
        if response.status != 200:
            problems.append(f"{path}: HTTP {response.status}")
            continue
        problems += check_page(page, path, javascript)
    return problems


def broken_words(selector: str, word: str = r"\S+") -> str:
    """A script for `page.evaluate`: the words (matches of the JavaScript pattern `word`) of
    the text in the elements at `selector` that take more than one line box, i.e. that the
    browser broke inside."""
    return """() => {
  const broken = [];
  document.querySelectorAll(SELECTOR).forEach((cell) => {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = new RegExp(WORD, 'g');
      let m;
      while ((m = re.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  });
  return broken;
}""".replace("SELECTOR", json.dumps(selector)).replace("WORD", json.dumps(word))
