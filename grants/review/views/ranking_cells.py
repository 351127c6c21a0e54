"""The cells of a ranking row that depend only on the computed ranking: each criterion's final
points (marked below its threshold), the total, the alignment, the EU contribution and the
decision. Rendered once per row and kept on it: the computed rankings are kept per process
(grants.review.ranking), and a call's ranking is read again and again (its pages, what-ifs),
each time with up to a few hundred rows of six to ten cells."""

from __future__ import annotations

from markupsafe import Markup, escape

from grants.formatting import eur
from grants.formatting import points as fmt_points
from grants.web import nowrap_amounts


def score_cells(row, criteria) -> tuple[Markup, Markup]:
    """(the cells from the first criterion to the EU contribution, the decision's cell) of a
    ranking row, as templates/review/ranking.html shows them."""
    cells = row.cells
    if cells is None:
        finals = row.score.final_scores()
        parts = []
        for c in criteria:
            final = finals[c.code]
            marked = " text-danger fw-bold" if final < c.threshold else ""
            parts.append(f'<td class="num{marked}">{escape(fmt_points(final))}</td>')
        parts.append(f'<td class="num"><strong>{escape(fmt_points(row.score.total))}</strong></td>')
        # as Jinja's '%.1f'|format gave it: through a float
        parts.append(f'<td class="num">{format(float(row.alignment), ".1f")}</td>')
        parts.append(f'<td class="num">{escape(eur(row.decision.eu_contribution))}</td>')
        decision = nowrap_amounts(row.decision.explanation)
        cells = row.cells = (
            Markup("".join(parts)),
            Markup(f'<td class="small decision">{decision}</td>'),
        )
    return cells
