"""The content guidelines the app enforces, as data: their version, the reasons a
comment may be hidden or a discussion locked for, and how long a moderator's claim on a
queue item lasts.

Every report and every decision records `GUIDELINES_VERSION` in its event (`"policy"`),
so a decision can always be read against the text that was in force when it was made.
Change the version whenever the guidelines change, and say what changed in
`GUIDELINES_CHANGES` (newest first).
"""

from __future__ import annotations

from datetime import timedelta

GUIDELINES_VERSION = "2026-11"

# Why a comment is hidden (GitHub's reasons): the stable values stored in events.
HIDE_REASONS: tuple[str, ...] = ("spam", "abuse", "off-topic", "outdated", "duplicate", "resolved")
# Why a discussion is locked (optional, shown in the thread).
LOCK_REASONS: tuple[str, ...] = ("off-topic", "too-heated", "resolved", "spam")

# A moderator's claim on a queue item lapses after this long without activity on it
# (the claim itself, or an action by the claimant): computed from event times, no timer.
CLAIM_IDLE = timedelta(minutes=30)

# Interaction limits on an artifact (as on GitHub): who besides its owner and the
# moderators may open discussions and comment, and for how long. The expiry is the
# limit event's time plus the duration (no timer). "Everyone" is no limit at all.
LIMIT_LEVELS: tuple[str, ...] = ("established", "owner")
MEMBER_AGE_DAYS = 7  # "established": first recorded activity here at least this old
LIMIT_DURATIONS: dict[str, timedelta] = {
    "1d": timedelta(days=1),
    "3d": timedelta(days=3),
    "1w": timedelta(weeks=1),
    "1m": timedelta(days=30),
    "6m": timedelta(days=180),
}
# A moderator's suspension from reporting and commenting: one of the durations, or
# until a moderator lifts it (None).
SUSPENSION_PERIODS: dict[str, timedelta | None] = {**LIMIT_DURATIONS, "until_lifted": None}

# Versions and the i18n keys of what changed in each, newest first.
GUIDELINES_CHANGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "2026-11",
        (
            "guidelines.change.hide_reasons",
            "guidelines.change.owner_hide",
            "guidelines.change.lock",
        ),
    ),
)

# Texts of this module, merged into safeguards.i18n (English, Simplified Chinese).
TEXTS: dict[str, tuple[str, str]] = {
    # reasons a comment is hidden
    "hide.spam": ("spam", "垃圾信息"),
    "hide.abuse": ("abuse", "辱骂"),
    "hide.off-topic": ("off-topic", "偏离主题"),
    "hide.outdated": ("outdated", "已过时"),
    "hide.duplicate": ("duplicate", "重复"),
    "hide.resolved": ("resolved", "已解决"),
    "hide_desc.spam": (
        "Advertising, link farms or repeated text that adds nothing to the discussion.",
        "广告、链接农场或对讨论毫无贡献的重复内容。",
    ),
    "hide_desc.abuse": (
        "Harassment, insults, threats or hateful remarks about a person or group.",
        "针对个人或群体的骚扰、侮辱、威胁或仇恨言论。",
    ),
    "hide_desc.off-topic": (
        "Not about this artifact or this discussion.",
        "与此制品或此讨论无关。",
    ),
    "hide_desc.outdated": (
        "True once, but no longer about the current version of the artifact.",
        "曾经成立，但已不适用于制品的当前版本。",
    ),
    "hide_desc.duplicate": (
        "Says what an earlier comment already said.",
        "与之前的评论内容重复。",
    ),
    "hide_desc.resolved": (
        "The question or problem it raised has been answered or fixed.",
        "其提出的问题已得到回答或解决。",
    ),
    # reasons a discussion is locked
    "lock.off-topic": ("off-topic", "偏离主题"),
    "lock.too-heated": ("too heated", "争论过于激烈"),
    "lock.resolved": ("resolved", "已解决"),
    "lock.spam": ("spam", "垃圾信息"),
    "discuss.hidden_as": ("Comment hidden as {reason}", "该评论因“{reason}”被隐藏"),
    "discuss.hidden_by_owner": ("by the owner", "由所有者隐藏"),
    "discuss.hidden_by_moderator": ("by a moderator", "由版主隐藏"),
    "discuss.hidden_note": ("Moderator's note: {note}", "版主备注：{note}"),
    "discuss.hidden_original": ("Hidden text (moderators only)", "被隐藏的原文（仅版主可见）"),
    "discuss.locked_as": ("Locked as {reason}.", "已因“{reason}”锁定。"),
    "owner.hide_title": ("Hide a comment", "隐藏评论"),
    "owner.hide_help": (
        "As the owner you may hide comments in this artifact's discussions, with a reason readers see. A moderator can show them again.",
        "作为所有者，你可以隐藏此制品讨论中的评论，并注明读者可见的原因。版主可以恢复显示。",
    ),
    "owner.hide_comment": ("Comment", "评论"),
    "owner.hide_reason": ("Reason", "原因"),
    "owner.hide_apply": ("Hide comment", "隐藏评论"),
    "owner.hide_done": ("The comment is hidden.", "评论已隐藏。"),
    "mod.hide_reason": ("Reason (for hiding or locking)", "原因（隐藏或锁定时）"),
    "mod.hide_reason_help": (
        "Required to hide a comment; optional for a lock (shown in the thread).",
        "隐藏评论时必填；锁定讨论时可选（显示在讨论中）。",
    ),
    "err.hide_reason": (
        "Choose why the comment is hidden: {reasons}.",
        "请选择隐藏评论的原因：{reasons}。",
    ),
    "err.lock_reason": (
        "A lock reason is one of: {reasons}.",
        "锁定原因只能是：{reasons}。",
    ),
    "err.owner_hide_own_only": (
        "Only the owner of the artifact may hide comments in its discussions.",
        "只有制品的所有者可以隐藏其讨论中的评论。",
    ),
    "err.hide_not_this": (
        "This comment cannot be hidden by the owner (a moderator's note or the report itself).",
        "所有者不能隐藏此评论（版主备注或举报本身）。",
    ),
    # guidelines
    "guidelines.title": ("Content guidelines", "内容准则"),
    "guidelines.version": (
        "Version in force: **{version}**. Every report and every decision records the version it was made under.",
        "现行版本：**{version}**。每条举报和每项决定都会记录其所依据的版本。",
    ),
    "guidelines.hide_title": ("Why a comment may be hidden", "评论可能被隐藏的原因"),
    "guidelines.changes_title": ("What changed", "变更内容"),
    "guidelines.change.hide_reasons": (
        "A hidden comment now says why: spam, abuse, off-topic, outdated, duplicate or resolved.",
        "被隐藏的评论现在会注明原因：垃圾信息、辱骂、偏离主题、已过时、重复或已解决。",
    ),
    "guidelines.change.owner_hide": (
        "Owners may hide comments in their own artifacts' discussions, with a reason.",
        "所有者可以隐藏其制品讨论中的评论，但须注明原因。",
    ),
    "guidelines.change.lock": (
        "A locked discussion may show the reason it was locked.",
        "被锁定的讨论可以显示锁定原因。",
    ),
    "notice.policy": ("Under content guidelines {version}.", "依据内容准则 {version}。"),
    # claims
    "claim.claim": ("Claim this item", "认领此项"),
    "claim.release": ("Release", "释放"),
    "claim.by_me": ("You claimed this item {age}.", "你在{age}认领了此项。"),
    "claim.by_other": (
        "Claimed by {moderator}, {age}: they are working on it.",
        "已由 {moderator} 于{age}认领：对方正在处理。",
    ),
    "claim.free": ("Nobody has claimed this item.", "尚无人认领此项。"),
    "claim.age_now": ("just now", "刚刚"),
    "claim.age_min": ("{n} min ago", "{n} 分钟前"),
    "claim.done": ("Claimed.", "已认领。"),
    "claim.released": ("Released.", "已释放。"),
    "claim.confirm_question": (
        "{moderator} claimed this item {age}. Act anyway?",
        "{moderator} 已于{age}认领此项。仍要操作吗？",
    ),
    "err.claimed_by_other": (
        "{moderator} claimed this item {minutes} min ago; confirm to act anyway.",
        "{moderator} 已于 {minutes} 分钟前认领此项；如仍要操作请确认。",
    ),
    "err.claimed_already": (
        "{moderator} claimed this item first.",
        "{moderator} 已先认领此项。",
    ),
    "err.not_claimed": ("You hold no claim on this item.", "你没有认领此项。"),
}
