"""Browse tab: ethics categories with counts and a chart, search, filters, sort, paging."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from safeguards.categories import CATEGORIES, CATEGORY_BY_SLUG
from safeguards.i18n import tr
from safeguards.search import RAIL_FAMILY, SearchPage, SearchQuery, Sort
from safeguards.textrules import LIMITS
from safeguards.ui.artifact_cards import VIEWS, category_bars, results_html
from safeguards.ui.common import I18N, UiContext, current_user, escape_md, friendly_errors, lang
from safeguards.ui.routes import Route, address, parse_route

KINDS = ("model", "dataset", "space")
MAX_PAGE = 100_000  # a page number from an address beyond this is junk


@dataclass
class BrowseTab:
    """What the app shell and the router wire: the full refresh (`show` with `inputs` and
    `outputs`), the controls an address sets (`addressed`, in `browse_values` order) and
    `show_for_address`, which refreshes only when the address is a Browse view."""

    results: gr.HTML
    inputs: list[Any]
    outputs: list[Any]
    show: Callable[..., tuple]
    addressed: list[Any]
    show_for_address: Callable[..., Any]


def browse_values(route: Route) -> tuple[str, list[str], str, str, int]:
    """The Browse controls an address names (query, kinds, category, sort, page); what is
    unknown or malformed falls back to the control's default."""
    params = route.browse
    kinds = [k for k in params.get("kind", "").split(",") if k in KINDS]
    slug = params.get("category", "")
    sort = params.get("sort", "")
    page = params.get("page", "")
    return (
        params.get("q", "")[: LIMITS["query"]],
        kinds,
        slug if slug in CATEGORY_BY_SLUG else "",
        sort if sort in Sort._value2member_map_ else Sort.TRENDING.value,
        min(int(page), MAX_PAGE) if page.isdigit() and int(page) > 0 else 1,
    )


def browse_address(
    text: str, kind_list: list[str], slug: str, sort_by: str, page_number: float
) -> str:
    """The address of a Browse view; defaults are left out, so the plain page is `""`."""
    params = {
        "category": slug or "",
        "q": (text or "").strip()[: LIMITS["query"]],
        "kind": ",".join(k for k in KINDS if k in (kind_list or ())),
        "sort": sort_by if sort_by and sort_by != Sort.TRENDING.value else "",
        "page": str(int(page_number)) if page_number and int(page_number) > 1 else "",
    }
    return address(Route("browse", browse={k: v for k, v in params.items() if v}))


def page_after(page_number: object, delta: int) -> int:
    """The page before or after; junk from a raw call (a huge or non-finite number, a
    string) counts as page 1, and the result stays a page number a page can show (an
    integer past 64 bits cannot even be sent back)."""
    try:
        current = int(page_number or 1)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        current = 1
    return min(max(1, current + delta), MAX_PAGE)


def build(ctx: UiContext) -> BrowseTab:
    """Lay out the tab and wire its controls; return what the shell and router wire."""
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
                choices=[(I18N(f"kind.{k}"), k) for k in KINDS],
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
        with gr.Column(scale=2, min_width=280):
            chart = gr.HTML(elem_id="category-chart", js_on_load=None, padding=False)
    with gr.Row(elem_id="browse-bar", equal_height=True):
        summary = gr.Markdown(elem_id="browse-summary")
        view = gr.Radio(
            choices=[(I18N(f"browse.view_{v}"), v) for v in VIEWS],
            value="cards",
            label=I18N("browse.view"),
            elem_id="browse-view",
            scale=0,
            min_width=300,
        )
    # Cards from escaped text only (artifact_cards.py); each card links to `?artifact=`.
    results = gr.HTML(elem_id="browse-results", js_on_load=None, padding=False)
    gr.Markdown(I18N("browse.pick_hint"), elem_classes="sg-hint")
    with gr.Row(elem_id="browse-pager", equal_height=True):
        previous = gr.Button(I18N("browse.prev"), size="sm", elem_id="browse-prev", scale=0)
        page = gr.Number(
            value=1, precision=0, minimum=1, label=I18N("browse.page"), scale=0, min_width=100
        )
        following = gr.Button(I18N("browse.next"), size="sm", elem_id="browse-next", scale=0)

    def run_search(
        text: str,
        kind_list: list[str],
        slug: str,
        tag_text: str,
        license_id: str,
        sort_by: str,
        page_number: float,
        view_name: str,
        persona: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None,
    ) -> tuple[str, str, int, str]:
        """Only the search: the cards, the count line, the page number it landed on."""
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
        summary_line = page_summary(result, language)
        cards = results_html(result.rows, language=language, view=view_name, empty=summary_line)
        return cards, summary_line, result.page, language

    def chart_html(persona: str, request: gr.Request, profile: gr.OAuthProfile | None) -> str:
        user = current_user(service, persona, request, profile)
        language = lang(request)
        return category_bars(
            service.category_counts(user),
            language=language,
            title=tr("browse.counts", language),
            hint=tr("browse.chart_hint", language),
        )

    @friendly_errors
    def show(
        text: str,
        kind_list: list[str],
        slug: str,
        tag_text: str,
        license_id: str,
        sort_by: str,
        page_number: float,
        view_name: str,
        persona: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> tuple:
        """Everything (page load, persona switch): the cards, the chart, the text."""
        cards, summary_line, page_no, language = run_search(
            text,
            kind_list,
            slug,
            tag_text,
            license_id,
            sort_by,
            page_number,
            view_name,
            persona,
            request,
            profile,
        )
        chart = chart_html(persona, request, profile)
        return cards, summary_line, page_no, category_text(slug, language), chart

    @friendly_errors
    def filtered(
        text: str,
        kind_list: list[str],
        slug: str,
        tag_text: str,
        license_id: str,
        sort_by: str,
        view_name: str,
        persona: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> tuple:
        """A filter changed: back to page 1; the chart (totals per category) stays."""
        cards, summary_line, page_no, language = run_search(
            text,
            kind_list,
            slug,
            tag_text,
            license_id,
            sort_by,
            1,
            view_name,
            persona,
            request,
            profile,
        )
        return cards, summary_line, page_no, category_text(slug, language)

    def turner(delta: int):
        @friendly_errors
        def turn(
            text: str,
            kind_list: list[str],
            slug: str,
            tag_text: str,
            license_id: str,
            sort_by: str,
            page_number: float,
            view_name: str,
            persona: str,
            request: gr.Request,
            profile: gr.OAuthProfile | None = None,
        ) -> tuple:
            """A page turn (or a typed page, or another view): only the cards change."""
            wanted = page_after(page_number, delta)
            cards, summary_line, page_no, _ = run_search(
                text,
                kind_list,
                slug,
                tag_text,
                license_id,
                sort_by,
                wanted,
                view_name,
                persona,
                request,
                profile,
            )
            return cards, summary_line, page_no

        return turn

    inputs = [query, kinds, category, tag, license_, sort, page, view, ctx.persona]
    filter_inputs = [query, kinds, category, tag, license_, sort, view, ctx.persona]
    outputs = [results, summary, page, description, chart]
    quick = {
        "api_visibility": "private",
        "show_progress": "hidden",  # the old cards stay until the new ones arrive
        "concurrency_limit": None,  # read-only: one person's search never waits for another's
        # a click while a search is on its way runs after it (never dropped, never overtaken)
        "trigger_mode": "always_last",
    }
    # `.input`, not `.change`: only a person's choice searches again; an address that
    # sets the controls (Back, a link) is followed by one full refresh instead.
    filters = [
        query.submit,
        kinds.input,
        category.input,
        tag.submit,
        license_.input,
        sort.input,
    ]
    addressed = [query, kinds, category, sort, page]
    where = {"api_visibility": "private", "queue": False, "show_progress": "hidden"}
    gr.on(filters, filtered, filter_inputs, [results, summary, page, description], **quick).then(
        browse_address, addressed, ctx.location, **where
    )
    for trigger, delta in ((previous.click, -1), (following.click, 1), (page.submit, 0)):
        trigger(turner(delta), inputs, [results, summary, page], **quick).then(
            browse_address, addressed, ctx.location, **where
        )
    view.input(turner(0), inputs, [results, summary, page], **quick)
    ctx.on_persona_switch(show, inputs, outputs)

    def show_for_address(
        search: str,
        text: str,
        kind_list: list[str],
        slug: str,
        tag_text: str,
        license_id: str,
        sort_by: str,
        page_number: float,
        view_name: str,
        persona: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> Any:
        """After Back/Forward or an in-app link: refresh Browse if that is the view."""
        if parse_route(search).view != "browse":
            return [gr.skip()] * len(outputs)
        return show(
            text,
            kind_list,
            slug,
            tag_text,
            license_id,
            sort_by,
            page_number,
            view_name,
            persona,
            request,
            profile,
        )

    return BrowseTab(results, inputs, outputs, show, addressed, show_for_address)


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
