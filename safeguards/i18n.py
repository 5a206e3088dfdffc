"""UI text in English and Simplified Chinese: one table for static labels (through
Gradio's I18n, translated in the browser) and for text the server composes (`tr`)."""

from __future__ import annotations

from safeguards.categories import CATEGORIES, REASONS

LANGUAGES: tuple[str, ...] = ("en", "zh-CN")

_TEXTS: dict[str, tuple[str, str]] = {
    "app.title": ("Openness Safeguards", "开放性保障"),
    "app.tagline": (
        "Browse ML artifacts by ethics category, flag what breaks the content guidelines, and see the safeguards of open ML at work.",
        "按伦理类别浏览机器学习制品，标记违反内容指南的内容，查看开放机器学习的保障措施如何运作。",
    ),
    "app.credit": (
        "Based on the Hugging Face post [Ethics and Society Newsletter #3: Ethical Openness at Hugging Face](https://huggingface.co/blog/ethics-soc-3) (CC-BY-4.0).",
        "依据 Hugging Face 博文[《道德与社会问题简报 #3：Hugging Face 上的道德开放性》](https://huggingface.co/blog/zh/ethics-soc-3)（CC-BY-4.0）。",
    ),
    "demo.banner": (
        "Demo mode: pick a persona to try each role. Nothing here signs you in for real.",
        "演示模式：选择一个角色来体验各项权限。这里不会真正登录。",
    ),
    "demo.persona": ("Acting as", "当前身份"),
    "persona.visitor": ("Visitor (not signed in)", "访客（未登录）"),
    "persona.member": ("Community member", "社区成员"),
    "persona.owner": ("Artifact owner (demo-studio)", "制品所有者（demo-studio）"),
    "persona.moderator": ("Moderator", "版主"),
    "signed_in_as": ("Signed in as", "已登录："),
    "not_signed_in": (
        "Not signed in: you can browse; sign in to flag, comment, propose tags or request access.",
        "未登录：可以浏览；登录后才能标记、评论、提议标签或申请访问。",
    ),
    "tab.browse": ("Browse", "浏览"),
    "tab.artifact": ("Artifact", "制品"),
    "tab.activity": ("My activity", "我的动态"),
    "browse.category": ("Ethics category", "伦理类别"),
    "browse.all": ("All categories", "全部类别"),
    "browse.search": ("Search", "搜索"),
    "browse.search_placeholder": ("Words in the name, summary or tags", "名称、简介或标签中的词"),
    "browse.kinds": ("Kinds", "类型"),
    "browse.tag": ("Tag", "标签"),
    "browse.license": ("License", "许可证"),
    "browse.any_license": ("Any license", "任意许可证"),
    "browse.rail": (
        "Any RAIL license (Open & Responsible AI)",
        "任意 RAIL 许可证（开放且负责任的 AI）",
    ),
    "browse.sort": ("Sort by", "排序"),
    "sort.trending": ("Trending", "热门"),
    "sort.downloads": ("Downloads", "下载量"),
    "sort.recent": ("Recently updated", "最近更新"),
    "browse.page": ("Page", "页码"),
    "browse.prev": ("Previous", "上一页"),
    "browse.next": ("Next", "下一页"),
    "browse.results": ("Results", "结果"),
    "browse.counts": ("Artifacts per category", "各类别的制品数量"),
    "browse.open": ("Open the selected artifact", "打开所选制品"),
    "browse.open_id": ("Artifact id", "制品 ID"),
    "browse.summary": (
        "{total} artifacts · page {page} of {pages}",
        "共 {total} 个制品 · 第 {page}/{pages} 页",
    ),
    "browse.empty": (
        "Nothing matches. Try fewer words, another category or “Any license”.",
        "没有匹配的结果。试试减少关键词、换个类别或选择“任意许可证”。",
    ),
    "browse.pick_hint": ("Click a row to open the artifact.", "点击一行即可打开该制品。"),
    "col.id": ("Artifact", "制品"),
    "col.kind": ("Kind", "类型"),
    "col.categories": ("Categories", "类别"),
    "col.license": ("License", "许可证"),
    "col.downloads": ("Downloads", "下载量"),
    "col.likes": ("Likes", "点赞"),
    "col.trending": ("Trending", "热度"),
    "col.updated": ("Updated", "更新于"),
    "col.safeguards": ("Safeguards", "保障措施"),
    "col.count": ("Artifacts", "制品数"),
    "col.category": ("Category", "类别"),
    "kind.model": ("Model", "模型"),
    "kind.dataset": ("Dataset", "数据集"),
    "kind.space": ("Space", "Space 应用"),
    "badge.public": ("public", "公开"),
    "badge.gated": ("gated", "需申请访问"),
    "badge.content_warning": ("content warning", "内容警告"),
    "badge.downgraded": ("downgraded", "已降低可见性"),
    "badge.private": ("private", "私有"),
    "badge.disabled": ("disabled", "已禁用"),
    "artifact.none": (
        "Open an artifact from Browse, or enter its id above.",
        "请从“浏览”中打开一个制品，或在上方输入其 ID。",
    ),
    "artifact.load": ("Open", "打开"),
    "artifact.license": ("License", "许可证"),
    "artifact.tags": ("Tags", "标签"),
    "artifact.categories": ("Ethics categories", "伦理类别"),
    "artifact.author": ("Author", "作者"),
    "artifact.created": ("Created", "创建于"),
    "artifact.paper": ("Paper", "论文"),
    "artifact.state": ("Safeguard state", "保障状态"),
    "artifact.visibility": ("Visibility", "可见性"),
    "artifact.gated": ("Gated access", "访问需申请"),
    "artifact.content_warning": ("Content warning", "内容警告"),
    "artifact.yes": ("yes", "是"),
    "artifact.no": ("no", "否"),
    "artifact.sections": ("What the card says", "卡片要点"),
    "artifact.card": ("Full card", "完整卡片"),
    "artifact.metadata": ("Card metadata (YAML)", "卡片元数据（YAML）"),
    "section.intended_uses": ("Intended uses", "预期用途"),
    "section.out_of_scope": ("Out-of-scope uses", "超出范围的用途"),
    "section.bias_risks": ("Bias, risks and limitations", "偏见、风险与局限"),
    "section.social_impact": ("Social impact", "社会影响"),
    "section.missing": ("The card does not say.", "卡片中未说明。"),
    "artifact.disabled_notice": (
        "Access to this artifact has been disabled by the moderators after community reports.",
        "在社区举报后，版主已禁用对此制品的访问。",
    ),
    "artifact.private_notice": (
        "This artifact is private: only its owner and moderators can see it.",
        "此制品为私有：仅所有者和版主可见。",
    ),
    "artifact.private_requested": (
        "Moderators have asked the owner to make this artifact private.",
        "版主已请求所有者将此制品设为私有。",
    ),
    "artifact.downgraded_notice": (
        "This artifact no longer appears in trending or feeds.",
        "此制品已不再出现在热门和动态中。",
    ),
    "warning.title": ("Content warning", "内容警告"),
    "warning.body": (
        "This repository is tagged not-for-all-audiences: it may contain violent, sexual or otherwise disturbing content. Do you want to view it?",
        "此仓库带有“不适合所有观众”标签，可能包含暴力、色情或其他令人不适的内容。是否继续查看？",
    ),
    "warning.view": ("View content", "查看内容"),
    "warning.back": ("Go back to Browse", "返回浏览"),
    "warning.preference": (
        "Always show such content without this popup",
        "始终直接显示此类内容，不再弹出提示",
    ),
    "gate.title": ("This artifact is gated", "此制品需申请访问"),
    "gate.body": (
        "Its owner reviews who gets access. Tell them why you need it.",
        "所有者会审核访问申请。请说明你的用途。",
    ),
    "gate.reason": ("Why do you need access?", "你为什么需要访问？"),
    "gate.request": ("Request access", "申请访问"),
    "gate.status": ("Your request: {status}", "你的申请：{status}"),
    "status.pending": ("pending", "待审核"),
    "status.approved": ("approved", "已批准"),
    "status.rejected": ("rejected", "已拒绝"),
    "status.open": ("open", "处理中"),
    "status.dismissed": ("dismissed", "已驳回"),
    "status.actioned": ("action taken", "已处理"),
    "status.merged": ("merged", "已合并"),
    "status.closed": ("closed", "已关闭"),
    "status.locked": ("locked", "已锁定"),
    "flag.title": ("Flag this artifact", "标记此制品"),
    "flag.reason": ("Reason (from the content guidelines)", "原因（依据内容指南）"),
    "flag.context": ("Context", "详细说明"),
    "flag.context_help": (
        "Add as much relevant context as you can (up to 5,000 characters): it helps the owner and the moderators act.",
        "请尽可能提供相关背景（最多 5000 字）：这能帮助所有者和版主采取行动。",
    ),
    "flag.target": ("Discussion to flag (optional)", "要标记的讨论（可选）"),
    "flag.submit": ("Flag", "提交标记"),
    "flag.done": (
        "Report {id} filed. It opened a discussion with the owner; follow it under My activity.",
        "已提交举报 {id}，并与所有者开启了讨论；可在“我的动态”中跟进。",
    ),
    "discuss.title": ("Discussions", "讨论"),
    "discuss.pick": ("Discussion", "讨论"),
    "discuss.reply": ("Your reply (up to 5,000 characters)", "你的回复（最多 5000 字）"),
    "discuss.send": ("Reply", "回复"),
    "discuss.new_title": ("Title of a new discussion", "新讨论的标题"),
    "discuss.new_body": ("First message", "第一条消息"),
    "discuss.open": ("Start a discussion", "发起讨论"),
    "discuss.close": ("Close discussion", "关闭讨论"),
    "discuss.reopen": ("Reopen discussion", "重新开启讨论"),
    "discuss.none": ("No discussions you can see yet.", "暂无你可见的讨论。"),
    "discuss.hidden": ("Comment hidden by a moderator: {reason}", "该评论已被版主隐藏：{reason}"),
    "discuss.moderation": ("Moderator action", "版主操作"),
    "propose.title": ("Propose a tag", "提议添加标签"),
    "propose.help": (
        "Opens a pull request on the card metadata; the owner merges or closes it.",
        "将对卡片元数据发起一个拉取请求，由所有者决定合并或关闭。",
    ),
    "propose.tags": ("Tags to add", "要添加的标签"),
    "propose.note": ("Why (optional)", "理由（可选）"),
    "propose.submit": ("Open pull request", "发起拉取请求"),
    "propose.list": ("Pull requests on the card", "卡片上的拉取请求"),
    "propose.pick": ("Pull request", "拉取请求"),
    "propose.diff": ("Diff", "差异"),
    "propose.merge": ("Merge", "合并"),
    "propose.close": ("Close", "关闭"),
    "access.list": ("Access requests", "访问申请"),
    "access.pick": ("Request", "申请"),
    "access.approve": ("Approve", "批准"),
    "access.reject": ("Reject", "拒绝"),
    "activity.reports": ("My reports", "我的举报"),
    "activity.access": ("My access requests", "我的访问申请"),
    "activity.preferences": ("Content preferences", "内容偏好"),
    "activity.refresh": ("Refresh", "刷新"),
    "activity.saved": ("Preference saved.", "偏好已保存。"),
    "activity.saved_browser": ("Preference saved in this browser.", "偏好已保存在此浏览器中。"),
    "activity.sign_in": (
        "Sign in to see your reports and requests.",
        "登录后可查看你的举报和申请。",
    ),
    "activity.none": ("Nothing yet.", "暂无记录。"),
    "col.report": ("Report", "举报"),
    "col.reason": ("Reason", "原因"),
    "col.status": ("Status", "状态"),
    "col.filed": ("Filed", "提交于"),
    "col.outcome": ("Outcome", "处理结果"),
    "col.artifact": ("Artifact", "制品"),
    "done.saved": ("Saved.", "已保存。"),
}

for _c in CATEGORIES:
    _TEXTS[f"category.{_c.slug}"] = (_c.name["en"], _c.name["zh-CN"])
    _TEXTS[f"category_desc.{_c.slug}"] = (_c.description["en"], _c.description["zh-CN"])
for _r in REASONS:
    _TEXTS[f"reason.{_r.slug}"] = (_r.label["en"], _r.label["zh-CN"])

TRANSLATIONS: dict[str, dict[str, str]] = {
    lang: {key: texts[i] for key, texts in _TEXTS.items()} for i, lang in enumerate(LANGUAGES)
}


def language_of(accept_language: str | None) -> str:
    """The UI language for a request: Chinese when the browser prefers it, else English."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return "en"


def tr(key: str, lang: str = "en", **values: object) -> str:
    table = TRANSLATIONS.get(lang) or TRANSLATIONS["en"]
    text = table.get(key) or TRANSLATIONS["en"].get(key) or key
    return text.format(**values) if values else text
