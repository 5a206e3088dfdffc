"""Research tab: reports over time by reason, kind and category, response times, and for
moderators the most-reported artifacts and a one-click export of the whole log.

Who sees what is decided in `safeguards.research` (aggregates for everyone; artifact
names and the raw log for moderators); this tab only mirrors it, and the export and the
named list are recomputed through the domain functions, which check rights again.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from safeguards import research
from safeguards.i18n import tr
from safeguards.ui.common import (
    I18N,
    UiContext,
    current_user,
    friendly_errors,
    lang,
    notify,
    table_md,
)
from safeguards.ui.icons import icon
from safeguards.ui.texts import link_md, moderate_url

_EXPORT_DIR = Path(tempfile.gettempdir()) / "safeguards-research-exports"


@dataclass
class ResearchTab:
    """What the app shell wires: `load` on page load (or leave it to the tab's select
    event, already wired, to keep page loads light)."""

    load: Any
    load_inputs: list[Any]
    load_outputs: list[Any]


def build(ctx: UiContext, tab: gr.Tab | None = None) -> ResearchTab:
    """Lay out the tab's contents (inside the caller's `with gr.Tab(...)`) and wire them.
    With `tab`, the data loads when the tab is selected."""
    service = ctx.service
    gr.Markdown(I18N("research.intro"))
    with gr.Row():
        freq = gr.Radio(
            choices=[(I18N(f"research.freq_{f}"), f) for f in research.FREQUENCIES],
            value="W",
            label=I18N("research.period"),
            elem_id="research-freq",
        )
        refresh_button = gr.Button(I18N("activity.refresh"), size="sm", scale=0)
    plots = {}
    with gr.Row(elem_id="research-charts"):
        for by in research.GROUPINGS:
            # Counts as bars drawn from escaped text (research_bars): whole numbers, only
            # periods that had reports, labelled by their bucket, an empty state in words.
            with gr.Column(min_width=300):
                plots[by] = gr.HTML(elem_id=f"research-by-{by}", js_on_load=None, padding=False)
    gr.Markdown(f"### {I18N('research.times')}")
    times = gr.Markdown(elem_id="research-times")
    gr.Markdown(f"### {I18N('research.most')}")
    most_note = gr.Markdown(elem_id="research-most-note")
    most = gr.Markdown(visible=False, elem_id="research-most", elem_classes="sg-figures")
    with gr.Column(visible=False) as export_box:
        gr.Markdown(f"### {I18N('research.export')}")
        gr.Markdown(I18N("research.export_help"))
        prepare = gr.Button(I18N("research.export_prepare"), elem_id="research-prepare")
        download = gr.DownloadButton(
            I18N("research.export_button"),
            variant="primary",
            visible=False,
            elem_id="research-export",
        )

    outputs = [*plots.values(), times, most_note, most, export_box, download]

    @friendly_errors
    def load(
        persona: str,
        period: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
    ) -> list[Any]:
        user = current_user(service, persona, request, profile)
        language = lang(request)
        code = period or "W"
        charts = [
            research_bars(research.reports_over_time(service, user, by, code), by, code, language)
            for by in research.GROUPINGS
        ]
        timing = times_text(research.response_times(service, user), language)
        if not user.is_moderator:
            hidden = gr.update(visible=False)
            note = tr("research.most_moderators", language)
            return [*charts, timing, note, gr.update(value="", visible=False), hidden, hidden]
        table = most_table(research.most_reported(service, user), language)
        links = frozenset({0})  # the artifact column: links built by link_md
        shown = gr.update(
            value=table_md(table.columns, table.itertuples(index=False), markdown=links),
            visible=True,
        )
        # The archive is built on request (Prepare), not on every visit to the tab.
        return [*charts, timing, "", shown, gr.update(visible=True), gr.update(visible=False)]

    @friendly_errors
    def export(
        persona: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio's injection marker
    ) -> Any:
        user = current_user(service, persona, request, profile)
        progress(0.1, desc=tr("research.export_progress", lang(request)))
        archive = research.export_zip(service, user, _fresh_dir())
        progress(1.0)
        notify(tr("research.export_ready", lang(request)), lang(request))
        return gr.update(value=str(archive), visible=True)

    prepare.click(export, [ctx.persona], download, api_visibility="private")

    inputs = [ctx.persona, freq]
    gr.on([refresh_button.click, freq.change], load, inputs, outputs, api_visibility="private")
    ctx.on_persona_switch(load, inputs, outputs)
    if tab is not None:
        tab.select(load, inputs, outputs, api_visibility="private")
    return ResearchTab(load=load, load_inputs=inputs, load_outputs=outputs)


def _fresh_dir() -> Path:
    """A folder for one export; those older than an hour go (Gradio copied the file)."""
    _EXPORT_DIR.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - 3600
    for old in _EXPORT_DIR.iterdir():
        with contextlib.suppress(OSError):
            if old.is_dir() and old.stat().st_mtime < cutoff:
                shutil.rmtree(old)
    return Path(tempfile.mkdtemp(dir=_EXPORT_DIR))


def _group_label(by: str, group: str, language: str) -> str:
    if by == "reason":
        return tr(f"reason.{group}", language)
    if by == "kind":
        return tr(f"kind.{group}", language)
    if group == research.UNCATEGORISED:
        return tr("research.uncategorised", language)
    return tr(f"category.{group}", language)


MAX_PERIODS = 12  # the latest periods with reports shown per chart


def period_label(start: pd.Timestamp, freq: str, language: str) -> str:
    """A period named by its bucket: a day, "Week of <Monday>", or a month."""
    if freq == "M":
        return start.strftime("%Y-%m")
    if freq == "W":
        return tr("research.week_of", language, date=start.strftime("%Y-%m-%d"))
    return start.strftime("%Y-%m-%d")


def research_bars(frame: pd.DataFrame, by: str, freq: str, language: str) -> str:
    """One chart as HTML: for each of the latest periods that had reports (newest first),
    a bar per group with its whole-number count. No period is invented; an empty record
    says "No reports yet." Every label is escaped."""
    title = escape(tr(f"research.by_{by}", language))
    head = (
        f'<figure class="sg-research-chart"><figcaption class="sg-chart-title">{title}</figcaption>'
    )
    shown = frame[frame["reports"] > 0] if not frame.empty else frame
    if shown.empty:
        empty = escape(tr("research.empty", language))
        return f'{head}<p class="sg-empty">{icon("inbox", size=18)} {empty}</p></figure>'
    top = int(shown["reports"].max())
    periods = sorted(shown["period"].unique(), reverse=True)[:MAX_PERIODS]
    parts = [head]
    for start in periods:
        rows = shown[shown["period"] == start].sort_values(
            ["reports", "group"], ascending=[False, True]
        )
        label = escape(period_label(pd.Timestamp(start), freq, language))
        parts.append(f'<p class="sg-period">{label}</p>')
        for group, count in zip(rows["group"], rows["reports"], strict=True):
            name = escape(_group_label(by, str(group), language))
            width = round(100 * int(count) / top, 1)
            parts.append(
                f'<div class="sg-bar-row"><span class="sg-bar-name" title="{name}">{name}</span>'
                f'<span class="sg-bar-track"><span class="sg-bar-fill" style="width: {width}%">'
                f'</span></span><span class="sg-bar-count">{int(count):,}</span></div>'
            )
    note = escape(tr("research.no_period", language))
    parts.append(f'<p class="sg-chart-hint">{note}</p></figure>')
    return "".join(parts)


def times_text(stats: dict, language: str) -> str:
    def cell(value: float | None) -> str:
        return "—" if value is None else f"{value:.1f}"

    names = ("answered", "waiting", "median", "p90")
    rows = []
    for key in ("owner_response", "moderator_action"):
        s = stats[key]
        figures = (s["count"], s["pending"], cell(s["median_hours"]), cell(s["p90_hours"]))
        rows.append((tr(f"research.{key}", language), *figures))
    header = ["", *(tr(f"research.{n}", language) for n in names)]
    total = tr("research.total_reports", language, n=stats["reports"])
    return f"{total}\n\n{table_md(header, rows)}"


def most_table(frame: pd.DataFrame, language: str) -> pd.DataFrame:
    """The most-reported artifacts, translated; each artifact links to its moderation
    item (the list is for moderators only)."""
    shown = frame.copy()
    shown["artifact_id"] = [link_md(a, moderate_url(a)) for a in shown["artifact_id"]]
    shown["kind"] = [tr(f"kind.{k}", language) for k in shown["kind"]]
    shown["top_reason"] = [tr(f"reason.{r}", language) for r in shown["top_reason"]]
    shown["last_report"] = [t[:16].replace("T", " ") for t in shown["last_report"]]
    return shown.rename(columns={c: tr(f"research.col_{c}", language) for c in shown.columns})
