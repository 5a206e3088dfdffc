"""Browse's result cards and category bars, as the Hub lists repositories.

The one template that puts catalog text into HTML: every field goes through
`html.escape` (ids, summaries, licenses, category names, dates, numbers), links are built
from `routes.address`, and nothing else is interpolated. Catalog text can come from the
Hub import, so it is treated as hostile; `tests/test_look.py` and the hostile-text tests
render hostile rows through it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape

from safeguards.catalog import is_rail_license
from safeguards.categories import CATEGORIES
from safeguards.i18n import tr
from safeguards.ui.icons import BADGE_ICONS, KIND_ICONS, icon
from safeguards.ui.routes import Route, address

VIEWS: tuple[str, ...] = ("cards", "list")


def short_number(value: int) -> str:
    """18400 -> "18.4k", 88000000 -> "88M", 950 -> "950" (the Hub's short form)."""
    n = int(value)
    sign, n = ("-" if n < 0 else ""), abs(n)
    units = ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k"))
    for i, (limit, suffix) in enumerate(units):
        if n >= limit:
            tenths = (n * 10 + limit // 2) // limit  # rounded half up, in integers
            if tenths >= 10_000 and i > 0:  # 999_950 is "1M", not "1000k"
                limit, suffix = units[i - 1]
                tenths = (n * 10 + limit // 2) // limit
            whole, tenth = divmod(tenths, 10)
            return f"{sign}{whole}{f'.{tenth}' if tenth else ''}{suffix}"
    return f"{sign}{n}"


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def badges(row: Mapping[str, object]) -> list[str]:
    """The safeguard badges of a result row, in a fixed order."""
    found = [b for b in ("content_warning", "gated") if row.get(b)]
    visibility = row.get("visibility", "public")
    if visibility != "public" and visibility in BADGE_ICONS:
        found.append(str(visibility))
    return found


def card(row: Mapping[str, object], *, language: str) -> str:
    """One artifact as a card: the whole card is the in-app link to its page."""
    artifact_id = str(row["id"])
    kind = str(row.get("kind", "model"))
    href = address(Route("artifact", artifact_id))
    kind_name = tr(f"kind.{kind}", language)
    chips = "".join(
        f'<span class="sg-chip">{_e(tr(f"category.{c}", language))}</span>'
        for c in row.get("categories") or ()
    )
    badge_html = "".join(
        f'<span class="sg-badge sg-badge-{_e(b)}">{icon(BADGE_ICONS[b], size=14)}'
        f"{_e(tr(f'badge.{b}', language))}</span>"
        for b in badges(row)
    )
    license_id = str(row.get("license") or "")
    rail = ""
    if license_id and is_rail_license(license_id):
        rail = (
            f' <abbr class="sg-rail" title="{_e(tr("browse.rail_title", language))}">'
            f"{_e(tr('browse.rail_mark', language))}</abbr>"
        )
    downloads, likes = int(row.get("downloads") or 0), int(row.get("likes") or 0)
    updated = str(row.get("updated") or "")
    meta = [
        f'<span class="sg-meta-item sg-kind-name">{_e(kind_name)}</span>',
        f'<span class="sg-meta-item sg-license">{icon("license", size=14)}'
        f"{_e(license_id)}{rail}</span>"
        if license_id
        else "",
        f'<span class="sg-meta-item" title="{_e(tr("col.downloads", language))}: {downloads:,}">'
        f"{icon('download', size=14)}{_e(short_number(downloads))}"
        f'<span class="sg-sr">{_e(tr("col.downloads", language))}</span></span>',
        f'<span class="sg-meta-item" title="{_e(tr("col.likes", language))}: {likes:,}">'
        f"{icon('heart', size=14)}{_e(short_number(likes))}"
        f'<span class="sg-sr">{_e(tr("col.likes", language))}</span></span>',
        f'<span class="sg-meta-item">{icon("clock", size=14)}'
        f"{_e(tr('browse.updated', language, date=updated))}</span>"
        if updated
        else "",
    ]
    return (
        f'<li class="sg-card-item"><a class="sg-card sg-card-{_e(kind)}" href="{_e(href)}" '
        f'data-sg-link data-sg-artifact="{_e(artifact_id)}">'
        f'<span class="sg-card-head"><span class="sg-kind-icon" title="{_e(kind_name)}">'
        f"{icon(KIND_ICONS.get(kind, 'model'), size=18)}</span>"
        f'<span class="sg-card-id">{_e(artifact_id)}</span></span>'
        + (f'<span class="sg-badges">{badge_html}</span>' if badge_html else "")
        + f'<span class="sg-card-summary">{_e(row.get("summary") or "")}</span>'
        + (f'<span class="sg-chips">{chips}</span>' if chips else "")
        + f'<span class="sg-card-meta">{"".join(m for m in meta if m)}</span>'
        + "</a></li>"
    )


def results_html(
    rows: Iterable[Mapping[str, object]], *, language: str, view: str = "cards", empty: str = ""
) -> str:
    """The result grid (or compact list); `empty` is shown when there are no rows."""
    view = view if view in VIEWS else "cards"
    items = "".join(card(r, language=language) for r in rows)
    if not items:
        return f'<p class="sg-empty sg-results-empty">{icon("inbox", size=18)}{_e(empty)}</p>'
    return f'<ul class="sg-results sg-view-{view}">{items}</ul>'


def category_bars(counts: Mapping[str, int], *, language: str, title: str, hint: str) -> str:
    """Horizontal bars in the picker's order, each a button that picks its category
    (page.js clicks the matching radio of `#category-picker`)."""
    top = max([*counts.values(), 1])
    items = []
    for slug in [c.slug for c in CATEGORIES if c.slug in counts]:
        count = counts[slug]
        name = tr(f"category.{slug}", language)
        width = round(100 * count / top, 1)
        label = tr("browse.bar_label", language, category=name, n=f"{count:,}")
        items.append(
            f'<li><button type="button" class="sg-bar" data-sg-category="{_e(slug)}" '
            f'aria-label="{_e(label)}"><span class="sg-bar-name">{_e(name)}</span>'
            f'<span class="sg-bar-track"><span class="sg-bar-fill" style="width: {width}%">'
            f'</span></span><span class="sg-bar-count">{_e(short_number(count))}</span>'
            "</button></li>"
        )
    return (
        f'<figure class="sg-chart"><figcaption class="sg-chart-title">{_e(title)}</figcaption>'
        f'<ul class="sg-bars">{"".join(items)}</ul>'
        f'<p class="sg-chart-hint">{_e(hint)}</p></figure>'
    )
