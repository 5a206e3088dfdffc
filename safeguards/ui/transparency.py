"""Transparency tab: the public monthly figures (no sign-in, no names, no texts) as
tables, and the long table behind them as a CSV download.

The figures come from `safeguards.transparency`; this tab pivots and translates them."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from safeguards import transparency as tp
from safeguards.i18n import tr
from safeguards.policy import GUIDELINES_CHANGES, GUIDELINES_VERSION, HIDE_REASONS
from safeguards.ui.common import I18N, UiContext, friendly_errors, lang, table_md

_CSV_DIR = Path(tempfile.gettempdir()) / "safeguards-transparency"
# (measure, how a group and the groups' column are labelled) for the count tables
COUNT_TABLES = (
    (tp.REPORTS_BY_REASON, "reason"),
    (tp.REPORTS_BY_KIND, "kind"),
    (tp.ACTIONS, "modaction"),
    (tp.OWNER_HIDES, "hide"),
)
# The times table's columns: (median, p90) shown together as "median / p90" hours, so the
# table has four columns and fits a phone.
TIME_COLUMNS = (
    ((tp.OWNER_ANSWER_MEDIAN, tp.OWNER_ANSWER_P90), "owner"),
    ((tp.DECISION_MEDIAN, tp.DECISION_P90), "decision"),
)


def build(ctx: UiContext, tab: gr.Tab) -> None:
    """Lay out the tab (inside the caller's `with gr.Tab(...)`); its figures load when
    the tab is selected, so page loads stay light."""
    service = ctx.service
    gr.Markdown(I18N("transparency.intro"))
    status = gr.Markdown(elem_id="transparency-status")
    sections = [
        *((m, f"transparency-{m.replace('_', '-')}") for m, _ in COUNT_TABLES),
        ("times", "transparency-times"),
        ("appeals", "transparency-appeals"),
    ]
    boxes, tables = [], []
    for key, elem_id in sections:  # a section shows only when it has figures
        with gr.Column(visible=False) as box:
            gr.Markdown(f"### {I18N(f'transparency.{key}')}")
            # Markdown tables: a few rows each, laid out by the browser (see table_md).
            tables.append(gr.Markdown(elem_id=elem_id, elem_classes="sg-figures"))
        boxes.append(box)
    download = gr.DownloadButton(
        I18N("transparency.download"), visible=False, elem_id="transparency-csv"
    )
    outputs = [status, *boxes, *tables, download]

    @friendly_errors
    def load(request: gr.Request) -> list[Any]:
        language = lang(request)
        figures = tp.public_figures(service)
        if figures.empty:
            hidden = gr.update(visible=False)
            skip = [gr.skip()] * len(tables)
            return [tr("transparency.none", language), *[hidden] * len(boxes), *skip, hidden]
        note = tr("transparency.demo_note", language) if service.settings.demo else ""
        shown = [
            *(count_table(figures, m, label, language) for m, label in COUNT_TABLES),
            times_table(figures, language),
            appeals_table(figures, language),
        ]
        return [
            note,
            *(gr.Column(visible=not t.empty) for t in shown),
            *(table_md(t.columns, t.itertuples(index=False)) if not t.empty else "" for t in shown),
            gr.update(value=str(_write_csv(figures)), visible=True),
        ]

    tab.select(load, None, outputs, api_visibility="private")

    with gr.Accordion(I18N("guidelines.title"), open=False, elem_id="guidelines"):
        guidelines = gr.Markdown(elem_id="guidelines-text")

    def load_guidelines(request: gr.Request) -> str:
        return guidelines_text(lang(request))

    tab.select(load_guidelines, None, guidelines, api_visibility="private", queue=False)


def guidelines_text(language: str) -> str:
    """The content guidelines in force: their version, why a comment may be hidden, and
    what changed in each version (newest first)."""
    lines = [
        tr("guidelines.version", language, version=GUIDELINES_VERSION),
        "",
        f"#### {tr('guidelines.hide_title', language)}",
        "",
    ]
    lines += [
        f"- **{tr(f'hide.{r}', language)}**: {tr(f'hide_desc.{r}', language)}" for r in HIDE_REASONS
    ]
    lines += ["", f"#### {tr('guidelines.changes_title', language)}"]
    for version, changes in GUIDELINES_CHANGES:
        lines += ["", f"**{version}**", ""]
        lines += [f"- {tr(key, language)}" for key in changes]
    return "\n".join(lines)


def _write_csv(figures: pd.DataFrame) -> Path:
    _CSV_DIR.mkdir(parents=True, exist_ok=True)
    path = _CSV_DIR / "transparency.csv"
    partial = path.with_suffix(".partial")
    partial.write_text(tp.transparency_csv(figures), encoding="utf-8")
    partial.replace(path)
    return path


def count_table(figures: pd.DataFrame, measure: str, label: str, language: str) -> pd.DataFrame:
    """Groups down (translated, the most frequent first), every month of the record
    across (newest first, a quiet month as zeros), whole numbers. Short month headers keep
    the table readable on a phone, where a column per reason would squeeze each name into
    a column of single characters."""
    rows = figures[figures["measure"] == measure]
    if rows.empty:
        return pd.DataFrame()
    pivot = rows.pivot_table(index="group", columns="month", values="value", aggfunc="sum")
    months = pd.period_range(figures["month"].min(), figures["month"].max(), freq="M")
    newest_first = list(months.strftime("%Y-%m"))[::-1]
    pivot = pivot.reindex(columns=newest_first).fillna(0).astype(int)
    pivot.index = [tr(f"{label}.{g}", language) for g in pivot.index]
    pivot = pivot.assign(_total=pivot.sum(axis="columns")).rename_axis("_name").reset_index()
    pivot = pivot.sort_values(["_total", "_name"], ascending=[False, True]).drop(columns="_total")
    return pivot.rename(columns={"_name": tr(f"transparency.col_{label}", language)})


def times_table(figures: pd.DataFrame, language: str) -> pd.DataFrame:
    """One row per month and reason (all reasons first); the owner's first answer and the
    moderator's decision each as "median / p90" hours with one decimal ("—" when none)."""
    wanted = [m for pair, _ in TIME_COLUMNS for m in pair]
    rows = figures[figures["measure"].isin(wanted)]
    if rows.empty:
        return pd.DataFrame()
    pivot = rows.pivot_table(
        index=["month", "group"], columns="measure", values="value", aggfunc="first"
    ).reindex(columns=wanted)
    pivot = pivot.reset_index()
    pivot["_first"] = pivot["group"] != tp.ALL
    pivot = pivot.sort_values(["month", "_first", "group"], ascending=[False, True, True])
    out = pd.DataFrame(
        {
            tr("transparency.col_month", language): pivot["month"],
            tr("transparency.col_reason", language): [
                tr("transparency.all_reasons" if g == tp.ALL else f"reason.{g}", language)
                for g in pivot["group"]
            ],
        }
    )
    for (median, p90), name in TIME_COLUMNS:
        out[tr(f"transparency.col_{name}", language)] = [
            _hours(m, p) for m, p in zip(pivot[median], pivot[p90], strict=True)
        ]
    return out


def _hours(median: float, p90: float) -> str:
    shown = ["—" if pd.isna(v) else f"{v:.1f}" for v in (median, p90)]
    return "—" if shown == ["—", "—"] else " / ".join(shown)


def appeals_table(figures: pd.DataFrame, language: str) -> pd.DataFrame:
    decided = figures[figures["measure"] == tp.APPEALS_DECIDED].set_index("month")["value"]
    share = figures[figures["measure"] == tp.APPEALS_UPHELD_SHARE].set_index("month")["value"]
    if decided.empty:
        return pd.DataFrame()
    months = sorted(decided.index, reverse=True)
    return pd.DataFrame(
        {
            tr("transparency.col_month", language): months,
            tr("transparency.col_decided", language): [int(decided[m]) for m in months],
            tr("transparency.col_upheld", language): [
                f"{share[m]:.0%}" if m in share.index else "—" for m in months
            ],
        }
    )
