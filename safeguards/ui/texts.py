"""Text the artifact page and the moderation panel compose from records: headers,
notices, threads, the community list and in-app links. User and catalog text is always
escaped (markdown) or HTML-escaped (the list), never passed through as markup."""

from __future__ import annotations

import html
from urllib.parse import quote

from safeguards.i18n import tr, trn
from safeguards.records import (
    AccessRequest,
    Comment,
    Discussion,
    DiscussionKind,
    DiscussionStatus,
)
from safeguards.service import ArtifactView
from safeguards.state import APPEALABLE_ACTIONS
from safeguards.ui.common import code_md, escape_md, quote_md
from safeguards.ui.routes import Route, address

SECTION_KEYS = ("intended_uses", "out_of_scope", "bias_risks", "social_impact")
SECTION_EXCERPT = 280  # characters of each section in the summary box
COMMUNITY_FILTERS = ("open", "closed", "all")


# -- links ----------------------------------------------------------------------------


def artifact_url(artifact_id: str, discussion_id: str | None = None) -> str:
    """The in-app address of an artifact (and one of its threads): `?artifact=…`."""
    return address(Route("artifact", artifact_id, discussion_id or ""))


def moderate_url(artifact_id: str) -> str:
    return address(Route("moderate", artifact_id))


def link_md(text: str, url: str) -> str:
    """A markdown link to an in-app address (`url` is built by the functions above, so
    it holds no parentheses or spaces); the page's router opens it without a reload."""
    return f"[{escape_md(text)}]({url})"


def external_link_md(url: str) -> str | None:
    """A link to an http(s) address from the catalog (a paper), or None if it is not one.
    Characters that could end the link or start markup are percent-encoded."""
    url = url.strip()
    if not url.lower().startswith(("https://", "http://")) or any(c.isspace() for c in url):
        return None
    safe = quote(url, safe=":/?#[]@!$&'*+,;=%-._~")
    return f"[{escape_md(url)}]({safe})"


# -- the artifact's header and notices ------------------------------------------------


def header_text(view: ArtifactView, language: str) -> str:
    a = view.artifact
    cats = ", ".join(tr(f"category.{c}", language) for c in view.categories)
    kind = tr(f"kind.{a.kind.value}", language)
    lines = [
        f"## {escape_md(a.id)}",
        f"**{kind}** · {tr('artifact.author', language)}: **{escape_md(a.author)}** · "
        f"{tr('artifact.updated', language)} {a.updated} · "
        f"{tr('artifact.downloads', language, n=f'{a.downloads:,}')} · "
        f"{tr('artifact.likes', language, n=f'{a.likes:,}')}",
        "",
        escape_md(a.summary),
        "",
        f"**{tr('artifact.license', language)}:** {code_md(a.license)}  ",
        f"**{tr('artifact.categories', language)}:** {cats or '—'}  ",
        f"**{tr('artifact.tags', language)}:** " + (" ".join(code_md(t) for t in view.tags) or "—"),
    ]
    if a.paper:
        paper = external_link_md(a.paper) or escape_md(a.paper)
        lines.append(f"  \n**{tr('artifact.paper', language)}:** {paper}")
    lines += ["", f"**{tr('artifact.state', language)}:** " + state_text(view, language)]
    return "\n".join(lines)


def state_text(view: ArtifactView, language: str) -> str:
    """The safeguards in force, as short badges (a plain artifact says so)."""
    guard = view.safeguard
    badges = []
    if guard.visibility().value != "public":
        badges.append(tr(f"badge.{guard.visibility().value}", language))
    if view.gated:
        badges.append(tr("badge.gated", language))
    if view.content_warning:
        badges.append(tr("badge.content_warning", language))
    if guard.private_requested:
        badges.append(tr("badge.private_requested", language))
    return " · ".join(badges) if badges else tr("artifact.no_safeguards", language)


def notice_text(view: ArtifactView, language: str) -> str:
    if view.disabled:
        key = "artifact.disabled_reported" if view.report_count else "artifact.disabled_notice"
        return f"### {tr(key, language)}"
    notes = []
    if view.safeguard.private:
        notes.append(tr("artifact.private_notice", language))
    if view.safeguard.private_requested:
        notes.append(tr("artifact.private_requested", language))
    if view.safeguard.downgraded:
        notes.append(tr("artifact.downgraded_notice", language))
    return "\n".join(f"> {n}" for n in notes)


def access_status_key(request: AccessRequest) -> str:
    """The status of a request as its requester reads it ("approved automatically")."""
    return "status.approved_auto" if request.automatic else f"status.{request.status.value}"


def gate_text(view: ArtifactView, language: str) -> str:
    if view.access is None:
        return ""
    status = tr("gate.status", language, status=tr(access_status_key(view.access), language))
    return status + decision_note_text(view.access.decision_note, language)


def decision_note_text(note: str | None, language: str) -> str:
    """The owner's reason for an access decision, escaped, as a line of its own."""
    if not note:
        return ""
    return "  \n" + tr("access.reason_given", language, note=escape_md(note))


def sections_text(view: ArtifactView, language: str) -> str:
    """A short summary of the template sections the card has; one line for those it
    lacks. Empty when it has none (the page then says so once, under the card)."""
    found = [k for k in SECTION_KEYS if view.card.sections.get(k)]
    if not found:
        return ""
    parts = [f"### {tr('artifact.sections', language)}"]
    for key in found:
        body = view.card.sections[key]
        if len(body) > SECTION_EXCERPT:
            body = body[:SECTION_EXCERPT].rsplit(" ", 1)[0] + " …"
        parts.append(f"#### {tr(f'section.{key}', language)}\n{body}")
    missing = [tr(f"section.{k}", language) for k in SECTION_KEYS if k not in found]
    if missing:
        parts.append(f"*{tr('section.missing_some', language, sections=', '.join(missing))}*")
    return "\n\n".join(parts)


def card_gap_text(view: ArtifactView, language: str) -> str:
    """Said once when the card has none of the sections people look for."""
    if any(view.card.sections.get(k) for k in SECTION_KEYS):
        return ""
    return f"> {tr('section.none', language)}"


# -- discussions ----------------------------------------------------------------------


def discussion_title(
    discussion: Discussion, language: str, reasons: dict[str, str] | None = None
) -> str:
    """The title a reader sees: report and pull-request titles in their language."""
    reason = (reasons or {}).get(discussion.id)
    if discussion.kind is DiscussionKind.REPORT and reason:
        return tr("report.title", language, reason=tr(f"reason.{reason}", language))
    if discussion.kind is DiscussionKind.PROPOSAL and discussion.title.startswith("Add tags: "):
        return tr("proposal.title", language, tags=discussion.title.removeprefix("Add tags: "))
    return discussion.title


def discussion_label(
    discussion: Discussion, language: str, reasons: dict[str, str] | None = None
) -> str:
    """One line for pickers: kind, title, status and comment count (plain text)."""
    kind = tr(f"thread.{discussion.kind.value}", language)
    status = tr(f"status.{discussion.status.value}", language)
    count = trn("thread.comments", len(discussion.comments), language)
    return f"[{kind}] {discussion_title(discussion, language, reasons)} · {status} · {count}"


def shown_in(filter_: str, discussion: Discussion) -> bool:
    if filter_ == "open":
        return discussion.status is DiscussionStatus.OPEN
    if filter_ == "closed":
        return discussion.status is not DiscussionStatus.OPEN
    return True


def community_html(view: ArtifactView, filter_: str, current: str | None, language: str) -> str:
    """The artifact's discussions, reports and pull requests as a list of links (newest
    first), like the Community tab of a Hub repository. Every field is HTML-escaped."""
    chosen = [d for d in reversed(view.discussions) if shown_in(filter_, d)]
    if not chosen:
        key = "community.none" if not view.discussions else "community.none_here"
        return f'<p class="sg-empty">{html.escape(tr(key, language))}</p>'
    items = []
    for d in chosen:
        title = html.escape(discussion_title(d, language, view.report_reasons))
        kind = html.escape(tr(f"thread.{d.kind.value}", language))
        status = html.escape(tr(f"status.{d.status.value}", language))
        meta = html.escape(
            tr(
                "community.meta",
                language,
                author=d.author,
                date=d.ts[:10],
                comments=trn("thread.comments", len(d.comments), language),
            )
        )
        url = html.escape(artifact_url(view.artifact.id, d.id))
        chosen_class = " sg-current" if d.id == current else ""
        items.append(
            f'<li class="sg-thread sg-{d.kind.value}{chosen_class}">'
            f'<a href="{url}" data-sg-link>'
            f'<span class="sg-kind">{kind}</span> <span class="sg-title">{title}</span></a>'
            f'<span class="sg-meta"><span class="sg-status sg-status-{d.status.value}">'
            f"{status}</span> · {meta}</span></li>"
        )
    return '<ul class="sg-threads">' + "".join(items) + "</ul>"


def thread_text(
    discussion: Discussion,
    language: str,
    reasons: dict[str, str] | None = None,
    *,
    moderator: bool = False,
) -> str:
    """A thread as Markdown; `moderator` expands hidden comments (their text and note)."""
    header = [
        f"### {escape_md(discussion_title(discussion, language, reasons))}",
        f"*{tr(f'thread.{discussion.kind.value}', language)} · "
        f"{tr('status.' + discussion.status.value, language)}*",
    ]
    if discussion.lock_reason and discussion.status.value == "locked":
        reason = tr(f"lock.{discussion.lock_reason}", language)
        header.append(f"*{escape_md(tr('discuss.locked_as', language, reason=reason))}*")
    parts = [comment_text(c, language, moderator=moderator) for c in discussion.comments]
    return "\n\n".join(header) + "\n\n---\n\n" + "\n\n---\n\n".join(parts)


def comment_text(comment: Comment, language: str, *, moderator: bool = False) -> str:
    """One comment. A hidden one shows readers only why ("hidden as off-topic", by whom);
    a moderator also sees the note and the hidden text, quoted."""
    who = f"**{escape_md(comment.author)}** · {when(comment.ts)}"
    if comment.moderation:
        action = tr(f"modaction.{comment.action}", language) if comment.action else ""
        who = f"**{tr('discuss.moderation', language)}: {escape_md(action)}** · {who}"
    if comment.hidden:
        return f"{who}\n\n{hidden_text(comment, language, moderator=moderator)}"
    body = f"{who}\n\n{quote_md(comment.text)}"
    if comment.moderation and comment.action in APPEALABLE_ACTIONS:
        body += f"\n\n*{tr('notice.in_thread', language)}*"
    return body


def hidden_text(comment: Comment, language: str, *, moderator: bool = False) -> str:
    """What stands in place of a hidden comment."""
    if comment.hidden_as:
        by = "discuss.hidden_by_moderator" if comment.hidden_reason else "discuss.hidden_by_owner"
        reason = tr(f"hide.{comment.hidden_as}", language)
        line = f"{tr('discuss.hidden_as', language, reason=reason)} ({tr(by, language)})"
    else:  # hidden before reasons existed: the note was the reason
        line = tr("discuss.hidden", language, reason=comment.hidden_reason or "")
    shown = f"> *{escape_md(line)}*"
    if not moderator:
        return shown
    if comment.hidden_as and comment.hidden_reason:
        note = tr("discuss.hidden_note", language, note=comment.hidden_reason)
        shown += f"\n>\n> *{escape_md(note)}*"
    original = tr("discuss.hidden_original", language)
    return f"{shown}\n\n**{original}:**\n\n{quote_md(comment.text)}"


def when(ts: str) -> str:
    """A timestamp as people read it: 2026-11-30 14:05 (UTC)."""
    return ts[:16].replace("T", " ")
