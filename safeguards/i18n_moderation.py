# ruff: noqa: E501  (translation table: one string per line reads better than split CJK text)
"""UI text of the Moderation and Research tabs, in English and Simplified Chinese.

Kept apart from `safeguards.i18n` until it is merged there; `install` adds the keys to
that module's TRANSLATIONS in place. `gr.I18n` keeps references to those very dicts, so
labels created after `install` translate in the browser, and `tr` finds them too.
"""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "tab.moderation": ("Moderation", "审核"),
    "tab.research": ("Research", "研究"),
    # -- queue --------------------------------------------------------------------------
    "mod.queue": ("Report queue", "举报队列"),
    "mod.audit": ("Audit log", "审核日志"),
    "mod.filter_reasons": ("Reasons", "原因"),
    "mod.filter_status": ("Reports", "举报状态"),
    "mod.status_open": ("Open", "待处理"),
    "mod.status_dismissed": ("Dismissed", "已驳回"),
    "mod.status_actioned": ("Action taken", "已处理"),
    "mod.status_all": ("All", "全部"),
    "mod.score_title": ("How the queue is ordered", "队列如何排序"),
    "mod.score_help": (
        "Each artifact with reports is one item, scored (higher first):\n\n"
        "- **10 × log2(1 + reporters)**: distinct people who reported it; one person repeating a flag does not count twice;\n"
        "- **4 × severity**: the most severe reason among its reports (1 for spam up to 5 for child safety);\n"
        "- **6 × reach**: 0 to 1 from downloads, likes and trending, on a log scale;\n"
        "- **2 × log2(1 + days waiting)** since its oldest report, so nothing waits forever;\n"
        "- **−5** when the owner has already answered in a report discussion.\n\n"
        "So a single child-safety report outranks three spam reports, and a second reporter counts more than a week of waiting.",
        "每个被举报的制品是一个条目，按分数排序（高者在前）：\n\n"
        "- **10 × log2(1 + 举报人数)**：不同举报人的数量；同一人重复举报只计一次；\n"
        "- **4 × 严重程度**：其举报原因中最严重的一项（垃圾信息为 1，儿童安全为 5）；\n"
        "- **6 × 影响范围**：依据下载量、点赞数和热度（对数尺度）得出的 0 到 1 之间的值；\n"
        "- **2 × log2(1 + 等待天数)**：自最早一条举报起算，确保没有条目被无限期搁置；\n"
        "- **−5**：所有者已在举报讨论中作出回应。\n\n"
        "因此，一条儿童安全举报的优先级高于三条垃圾信息举报；多一位举报人比多等一周更重要。",
    ),
    "mod.queue_summary": (
        "{items} items · {reports} reports · oldest waiting {oldest}",
        "共 {items} 个条目 · {reports} 条举报 · 最久已等待 {oldest}",
    ),
    "mod.queue_empty": ("No reports match these filters.", "没有符合筛选条件的举报。"),
    "mod.pick_hint": (
        "Click a row to open the item below.",
        "点击一行即可在下方打开该条目。",
    ),
    "mod.hours": ("{n} h", "{n} 小时"),
    "mod.days": ("{n} days", "{n} 天"),
    "mod.col_artifact": ("Artifact", "制品"),
    "mod.col_kind": ("Kind", "类型"),
    "mod.col_score": ("Priority", "优先级"),
    "mod.col_reporters": ("Reporters", "举报人数"),
    "mod.col_reports": ("Reports", "举报数"),
    "mod.col_reasons": ("Reasons", "原因"),
    "mod.col_severity": ("Severity", "严重程度"),
    "mod.col_waiting": ("Waiting", "等待时长"),
    "mod.col_answered": ("Owner answered", "所有者已回应"),
    "mod.col_visibility": ("Visibility", "可见性"),
    "mod.col_ts": ("When (UTC)", "时间（UTC）"),
    "mod.col_moderator": ("Moderator", "版主"),
    "mod.col_action": ("Action", "操作"),
    "mod.col_artifact_id": ("Artifact", "制品"),
    "mod.col_note": ("Why", "理由"),
    "mod.col_discussion_id": ("Discussion", "讨论"),
    "mod.col_comment_id": ("Comment", "评论"),
    "mod.col_action_id": ("Action id", "操作 ID"),
    "mod.part_reporters": ("reporters", "举报人"),
    "mod.part_severity": ("severity", "严重程度"),
    "mod.part_reach": ("reach", "影响范围"),
    "mod.part_age": ("waiting", "等待"),
    "mod.part_answered": ("owner answered", "所有者回应"),
    # -- bulk ---------------------------------------------------------------------------
    "mod.bulk_title": ("Dismiss several items (spam)", "批量驳回（垃圾信息）"),
    "mod.bulk_pick": ("Items to dismiss", "要驳回的条目"),
    "mod.bulk_apply": ("Dismiss the selected items", "驳回所选条目"),
    "mod.bulk_done": (
        "Dismissed {count} item(s); {skipped} had no open report any more.",
        "已驳回 {count} 个条目；{skipped} 个已没有待处理的举报。",
    ),
    # -- item ---------------------------------------------------------------------------
    "mod.item": ("Item", "条目"),
    "mod.reports": ("Reports and their context", "举报及其背景"),
    "mod.responses": ("How the owner answered", "所有者的回应"),
    "mod.origin": ("Origin and use", "来源与使用情况"),
    "mod.history": ("History of reports and actions", "举报与操作记录"),
    "mod.usage": ("Use", "使用情况"),
    "mod.none": ("Nothing yet.", "暂无记录。"),
    "mod.no_responses": (
        "The owner has not answered in any report discussion.",
        "所有者尚未在任何举报讨论中回应。",
    ),
    "mod.no_open_reports": ("No open report on this artifact.", "此制品没有待处理的举报。"),
    "mod.flagged_discussion": ("Flagged discussion", "被举报的讨论"),
    "mod.private_requested": ("owner asked to make it private", "已请求所有者设为私有"),
    "mod.act_title": ("Act on the artifact", "对制品采取操作"),
    "mod.action": ("Action", "操作"),
    "mod.note": ("Note (required)", "说明（必填）"),
    "mod.note_help": (
        "Why: recorded in the audit log and shown to the owner and reporters in the report discussion.",
        "理由：将记入审核日志，并在举报讨论中向所有者和举报人展示。",
    ),
    "mod.apply": ("Apply", "执行"),
    "mod.done": ("Action recorded.", "操作已记录。"),
    "mod.state_now": (
        "Recorded. Visibility now: {visibility}.",
        "已记录。当前可见性：{visibility}。",
    ),
    "mod.others_acted": (
        "Other moderators acted on this item since you opened it:",
        "在你打开此条目之后，其他版主也对其进行了操作：",
    ),
    "mod.discussion_title": (
        "Discussions: lock, close, hide a comment",
        "讨论：锁定、关闭、隐藏评论",
    ),
    "mod.comment": ("Comment (to hide or show)", "评论（隐藏或显示）"),
    "mod.d_note": (
        "Note, or the reason shown in place of a hidden comment (required)",
        "说明，或隐藏评论处显示的原因（必填）",
    ),
    "mod.hidden_mark": ("hidden", "已隐藏"),
    # -- audit --------------------------------------------------------------------------
    "mod.since": ("From (UTC date)", "起始日期（UTC）"),
    "mod.until": ("To (UTC date, included)", "截止日期（UTC，含当天）"),
    "mod.filter": ("Filter", "筛选"),
    "mod.export_csv": ("Download CSV", "下载 CSV"),
    # -- action names -------------------------------------------------------------------
    "modaction.dismiss": ("Dismiss the reports", "驳回举报"),
    "modaction.downgrade": (
        "Downgrade (out of trending and feeds)",
        "降低可见性（移出热门和动态）",
    ),
    "modaction.restore_visibility": ("Undo downgrade", "撤销降低可见性"),
    "modaction.request_private": ("Ask the owner to make it private", "请求所有者设为私有"),
    "modaction.withdraw_private_request": ("Withdraw the private request", "撤回设为私有的请求"),
    "modaction.make_private": ("Make private", "设为私有"),
    "modaction.make_public": ("Make public again", "恢复公开"),
    "modaction.gate": ("Gate access", "设置访问申请"),
    "modaction.ungate": ("Remove the gate", "取消访问申请"),
    "modaction.add_content_warning": ("Add a content warning", "添加内容警告"),
    "modaction.remove_content_warning": ("Remove the content warning", "移除内容警告"),
    "modaction.disable": ("Disable access", "禁用访问"),
    "modaction.enable": ("Enable access again", "恢复访问"),
    "modaction.restore": ("Restore everything to the catalog state", "全部恢复为目录中的状态"),
    "modaction.lock_discussion": ("Lock the discussion", "锁定讨论"),
    "modaction.unlock_discussion": ("Unlock the discussion", "解除锁定"),
    "modaction.close_discussion": ("Close the discussion", "关闭讨论"),
    "modaction.reopen_discussion": ("Reopen the discussion", "重新开启讨论"),
    "modaction.hide_comment": ("Hide the comment", "隐藏评论"),
    "modaction.unhide_comment": ("Show the comment again", "恢复显示评论"),
    # -- research -----------------------------------------------------------------------
    "research.intro": (
        "Which reasons, kinds of artifact and ethics categories draw reports over time, and how quickly owners and moderators answer. Counts only: no names, no report text.",
        "随时间推移，哪些原因、哪类制品和哪些伦理类别收到举报，以及所有者和版主多快作出回应。仅显示计数：不含用户名和举报内容。",
    ),
    "research.period": ("Period", "时间段"),
    "research.freq_D": ("Day", "日"),
    "research.freq_W": ("Week", "周"),
    "research.freq_M": ("Month", "月"),
    "research.reports": ("Reports", "举报数"),
    "research.by_reason": ("Reports by reason", "按原因统计的举报"),
    "research.by_kind": ("Reports by kind", "按类型统计的举报"),
    "research.by_category": ("Reports by ethics category", "按伦理类别统计的举报"),
    "research.group_reason": ("Reason", "原因"),
    "research.group_kind": ("Kind", "类型"),
    "research.group_category": ("Category", "类别"),
    "research.uncategorised": ("No category", "无类别"),
    "research.times": ("Time to answer (hours)", "回应用时（小时）"),
    "research.total_reports": ("{n} reports in all.", "共 {n} 条举报。"),
    "research.owner_response": ("First owner reply", "所有者首次回复"),
    "research.moderator_action": ("Moderator decision", "版主处理"),
    "research.answered": ("Answered", "已回应"),
    "research.waiting": ("Still waiting", "仍在等待"),
    "research.median": ("Median", "中位数"),
    "research.p90": ("90th percentile", "第 90 百分位"),
    "research.most": ("Most reported artifacts", "被举报最多的制品"),
    "research.most_moderators": (
        "The list names artifacts with unreviewed reports, so only moderators see it.",
        "此列表会列出含未审核举报的制品，因此仅版主可见。",
    ),
    "research.col_artifact_id": ("Artifact", "制品"),
    "research.col_kind": ("Kind", "类型"),
    "research.col_reporters": ("Distinct reporters", "不同举报人数"),
    "research.col_reports": ("Reports", "举报数"),
    "research.col_open": ("Open", "待处理"),
    "research.col_top_reason": ("Most frequent reason", "最常见原因"),
    "research.col_last_report": ("Last report", "最近举报"),
    "research.export": ("Export the whole log", "导出完整日志"),
    "research.export_help": (
        'A zip of a dataset folder: events.parquet (one row per event) and a README.md dataset card. Unzip it and load it with `datasets.load_dataset(folder, split="train")`. It holds usernames and report texts: share it with care.',
        '一个数据集文件夹的压缩包：events.parquet（每个事件一行）和 README.md 数据集卡片。解压后可用 `datasets.load_dataset(文件夹, split="train")` 加载。其中包含用户名和举报内容，请谨慎分享。',
    ),
    "research.export_button": ("Download the log as a dataset (zip)", "下载日志数据集（zip）"),
}


def install(translations: dict[str, dict[str, str]]) -> None:
    """Add these keys to a {language: {key: text}} table in place, without overwriting
    keys it already has (once merged into the main table, the main table wins)."""
    for index, language in enumerate(("en", "zh-CN")):
        table = translations.setdefault(language, {})
        for key, texts in TEXTS.items():
            table.setdefault(key, texts[index])
