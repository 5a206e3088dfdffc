"""Browse tab: ethics categories with counts and a chart, search, filters, sort, paging."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from safeguards.categories import CATEGORIES, CATEGORY_BY_SLUG
from safeguards.i18n import tr
from safeguards.search import RAIL_FAMILY, SearchPage, SearchQuery, Sort
from safeguards.textrules import LIMITS
from safeguards.ui.common import I18N, UiContext, current_user, escape_md, friendly_errors, lang

COLUMNS = ("id", "kind", "categories", "license", "downloads", "likes", "updated", "safeguards")


# Past any catalog's last page (search shows the last one), far below 2**63.
LAST_PAGE = 10**9


def build(ctx: UiContext) -> tuple[gr.Dataframe, list[gr.components.Component], list]:
    """Lay out the tab; return the results grid and the refresh event's wiring."""
    service = ctx.service
    licenses = sorted(set(service.catalog.frame["license"].head(100_000)))
    category = gr.Radio(
        choices=[
            (I18N("browse.all"), ""),
            *((I18N(f"category.{c.slug}"), c.slug) for c in CATEGORIES),
        ],
        value="",
        label=I18N("browse.category"),
        elem_id="category-picker",
    )
    description = gr.Markdown(elem_id="category-description")
    with gr.Row():
        with gr.Column(scale=3):
            query = gr.Textbox(
                label=I18N("browse.search"),
                placeholder=I18N("browse.search_placeholder"),
                max_length=LIMITS["query"],
                elem_id="search-box",
            )
            kinds = gr.CheckboxGroup(
                choices=[(I18N(f"kind.{k}"), k) for k in ("model", "dataset", "space")],
                label=I18N("browse.kinds"),
            )
            with gr.Row():
                tag = gr.Textbox(label=I18N("browse.tag"), max_length=LIMITS["tag"])
                license_ = gr.Dropdown(
                    choices=[
                        (I18N("browse.any_license"), ""),
                        (I18N("browse.rail"), RAIL_FAMILY),
                        *licenses,
                    ],
                    value="",
                    label=I18N("browse.license"),
                )
                sort = gr.Radio(
                    choices=[(I18N(f"sort.{s.value}"), s.value) for s in Sort],
                    value=Sort.TRENDING.value,
                    label=I18N("browse.sort"),
                )
        with gr.Column(scale=2):
            chart = gr.BarPlot(
                x="category",
                y="count",
                y_lim=[0, None],
                title=I18N("browse.counts"),
                x_title=I18N("col.category"),
                y_title=I18N("col.count"),
                height=260,
            )
    summary = gr.Markdown(elem_id="browse-summary")
    results = gr.Dataframe(interactive=False, wrap=True, elem_id="browse-results")
    gr.Markdown(I18N("browse.pick_hint"))
    with gr.Row():
        previous = gr.Button(I18N("browse.prev"), size="sm")
        page = gr.Number(value=1, precision=0, minimum=1, label=I18N("browse.page"), scale=0)
        following = gr.Button(I18N("browse.next"), size="sm")

    @friendly_errors
    def show(
        text: str,
        kind_list: list[str],
        slug: str,
        tag_text: str,
        license_id: str,
        sort_by: str,
        page_number: float,
        persona: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> tuple:
        user = current_user(service, persona, request, profile)
        language = lang(request)
        result = service.search(
            user,
            SearchQuery(
                text=(text or "")[: LIMITS["query"]],
                kinds=tuple(kind_list or ()),
                categories=(slug,) if slug else (),
                tag=(tag_text or "").strip().lower(),
                license=license_id or "",
                sort=Sort(sort_by) if sort_by in Sort._value2member_map_ else Sort.TRENDING,
                page=int(page_number or 1),
            ),
        )
        counts = service.category_counts(user)
        chart_data = pd.DataFrame(
            {
                "category": [tr(f"category.{s}", language) for s in counts],
                "count": list(counts.values()),
            }
        )
        return (
            results_table(result, language),
            page_summary(result, language),
            result.page,
            category_text(slug, language),
            chart_data,
        )

    inputs = [query, kinds, category, tag, license_, sort, page, ctx.persona]
    outputs = [results, summary, page, description, chart]

    def step(delta: int):
        def move(page_number: float) -> int:
            """The page before or after; junk from a raw call (a huge or non-finite
            number, a string) counts as page 1, and the result stays a page number a
            page can show (an integer past 64 bits cannot even be sent back)."""
            try:
                current = int(page_number or 1)
            except (TypeError, ValueError, OverflowError):
                current = 1
            return min(max(1, current + delta), LAST_PAGE)

        return move

    filters = [
        query.submit,
        kinds.change,
        category.change,
        tag.submit,
        license_.change,
        sort.change,
    ]
    gr.on(filters, lambda: 1, None, page, api_visibility="private").then(
        show, inputs, outputs, api_visibility="private"
    )
    previous.click(step(-1), page, page, api_visibility="private").then(
        show, inputs, outputs, api_visibility="private"
    )
    following.click(step(1), page, page, api_visibility="private").then(
        show, inputs, outputs, api_visibility="private"
    )
    page.submit(show, inputs, outputs, api_visibility="private")
    ctx.on_persona_switch(show, inputs, outputs)
    return results, inputs, outputs, show


def results_table(result: SearchPage, language: str) -> pd.DataFrame:
    rows = []
    for row in result.rows:
        badges = [tr(f"badge.{b}", language) for b in ("gated", "content_warning") if row[b]]
        if row["visibility"] != "public":
            badges.append(tr(f"badge.{row['visibility']}", language))
        rows.append(
            {
                tr("col.id", language): row["id"],
                tr("col.kind", language): tr(f"kind.{row['kind']}", language),
                tr("col.categories", language): ", ".join(
                    tr(f"category.{c}", language) for c in row["categories"]
                ),
                tr("col.license", language): row["license"],
                tr("col.downloads", language): row["downloads"],
                tr("col.likes", language): row["likes"],
                tr("col.updated", language): row["updated"],
                tr("col.safeguards", language): ", ".join(badges),
            }
        )
    if not rows:
        return pd.DataFrame(columns=[tr(f"col.{c}", language) for c in COLUMNS])
    return pd.DataFrame(rows)


def page_summary(result: SearchPage, language: str) -> str:
    if not result.total:
        return tr("browse.empty", language)
    return tr("browse.summary", language, total=result.total, page=result.page, pages=result.pages)


def category_text(slug: str, language: str) -> str:
    if slug in CATEGORY_BY_SLUG:
        name = tr(f"category.{slug}", language)
        return f"**{escape_md(name)}** — {tr(f'category_desc.{slug}', language)}"
    return "\n".join(
        f"- **{tr(f'category.{c.slug}', language)}** — {tr(f'category_desc.{c.slug}', language)}"
        for c in CATEGORIES
    )
