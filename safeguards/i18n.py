"""UI text in English and Simplified Chinese: one table for static labels (through
Gradio's I18n, translated in the browser) and for text the server composes (`tr`)."""

from __future__ import annotations

from safeguards.categories import CATEGORIES, REASONS
from safeguards.policy import TEXTS as POLICY_TEXTS

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
        "Demo mode: pick a persona to try each role (this browser remembers it). Nothing here signs you in for real.",
        "演示模式：选择一个角色来体验各项权限（此浏览器会记住你的选择）。这里不会真正登录。",
    ),
    "demo.banner_space": (
        "Demo mode (SAFEGUARDS_DEMO=1): anyone can try every role with the personas, moderation included. Nothing here signs you in for real.",
        "演示模式（SAFEGUARDS_DEMO=1）：任何人都可以通过角色切换体验所有权限，包括审核。这里不会真正登录。",
    ),
    "err.no_deep_links": (
        "This app has no saved-state links: share the address shown in the browser instead.",
        "此应用没有保存状态的链接：请改为分享浏览器地址栏中的地址。",
    ),
    "err.artifact_disabled": (
        "{id} has been disabled by a moderator: only its owner and the moderators can write on it now. Its owner can answer or appeal the decision.",
        "{id} 已被版主禁用：现在只有其所有者和版主可以在上面发言。所有者可以回复或对该决定提出申诉。",
    ),
    "err.no_uploads": (
        "This app takes no file uploads.",
        "此应用不接受文件上传。",
    ),
    "err.signin_wait": (
        "Too many failed sign-ins for this account or from this address. Please wait {n} seconds and try again.",
        "此账号或此地址的登录失败次数过多。请等待 {n} 秒后再试。",
    ),
    "err.signin_wait.one": (
        "Too many failed sign-ins for this account or from this address. Please wait 1 second and try again.",
        "此账号或此地址的登录失败次数过多。请等待 1 秒后再试。",
    ),
    "err.signin_too_large": ("This sign-in form is too large.", "此登录表单过大。"),
    "app.moderators_notice": (
        "For now only this Space's owner can moderate. To add moderators, the owner sets the variable SAFEGUARDS_MODERATORS (comma-separated Hugging Face usernames) in the Space's Settings, under Variables and secrets, and restarts the Space.",
        "目前只有此 Space 的所有者可以审核。如需添加版主，请所有者在 Space 的 Settings（设置）中的 Variables and secrets（变量和密钥）里设置变量 SAFEGUARDS_MODERATORS（以逗号分隔的 Hugging Face 用户名），然后重启 Space。",
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
    "browse.pick_hint": ("Click a card to open the artifact.", "点击卡片即可打开该制品。"),
    "browse.view": ("View", "视图"),
    "browse.view_cards": ("Cards", "卡片"),
    "browse.view_list": ("Compact list", "紧凑列表"),
    "browse.updated": ("Updated {date}", "更新于 {date}"),
    "browse.rail_mark": ("RAIL", "RAIL"),
    "browse.rail_title": (
        "An Open & Responsible AI License (use restrictions apply)",
        "开放且负责任的 AI 许可证（附有使用限制）",
    ),
    "browse.chart_hint": (
        "Click a bar to show that category.",
        "点击条形即可查看该类别。",
    ),
    "browse.bar_label": (
        "{category}: {n} artifacts",
        "{category}：{n} 个制品",
    ),
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
        "Access to this artifact has been disabled by the moderators.",
        "版主已禁用对此制品的访问。",
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
    "access.note": (
        "Reason shown to the requester (optional, up to 200 characters)",
        "向申请人显示的理由（可选，最多 200 字）",
    ),
    "access.export": ("Download the access list (CSV)", "下载访问申请列表（CSV）"),
    "access.reason_given": ("Reason given: {note}", "给出的理由：{note}"),
    "access.form_title": ("Access form", "访问申请表单"),
    "access.approval": ("Approval", "审批方式"),
    "approval.manual": ("Manual: I review each request", "人工：我逐一审核每个申请"),
    "approval.auto": (
        "Automatic: access is granted as soon as the form is sent",
        "自动：提交表单后立即获得访问权限",
    ),
    "access.prompt": ("Prompt shown to requesters (optional)", "向申请人显示的提示语（可选）"),
    "access.fields": ("Fields the requester fills, one per line", "申请人需填写的字段（每行一个）"),
    "access.fields_help": (
        "Write “Label: type”, the type being text, checkbox, country, date or select; a select lists its options after another colon: “Role: select: Student, Researcher, Other”. At most 10 fields, all required (a checkbox must be ticked).",
        "按“标签: 类型”填写，类型为 text（文本）、checkbox（勾选框）、country（国家或地区）、date（日期）或 select（选择）；select 在第二个冒号后列出选项：“Role: select: Student, Researcher, Other”。最多 10 个字段，全部必填（勾选框必须勾选）。",
    ),
    "access.form_save": ("Save the form", "保存表单"),
    "access.form_use_card": ("Use the card's form again", "改回使用卡片中的表单"),
    "access.form_card_again": (
        "The card's form applies again.",
        "卡片中的表单已重新生效。",
    ),
    "access.form_saved": ("Access form saved.", "访问表单已保存。"),
    "access.form_from_card": (
        "This form comes from the card's metadata (extra_gated_fields). Saving here replaces it.",
        "此表单来自卡片元数据（extra_gated_fields）。在此保存将替换它。",
    ),
    "access.form_from_set": (
        "This form was set on this page; it replaces any form in the card's metadata.",
        "此表单在本页设置，它会替换卡片元数据中的表单。",
    ),
    "access.form_none": (
        "No form yet: requesters only give a reason.",
        "尚未设置表单：申请人只需说明理由。",
    ),
    "access.detail_none": ("No request is waiting.", "没有待处理的申请。"),
    "access.requested_by": ("**{user}** asked on {date}.", "**{user}** 于 {date} 提出申请。"),
    "access.reason_label": ("Reason:", "理由："),
    "access.answers": ("Answers:", "回答："),
    "access.automatic": ("automatic", "自动"),
    "gate.reason_optional": (
        "Anything else the owner should know? (optional)",
        "还有什么需要告诉所有者的吗？（可选）",
    ),
    "gate.body_form": (
        "Its owner reviews who gets access: please fill in the form below.",
        "所有者会审核访问申请：请填写下面的表单。",
    ),
    "gate.auto_note": (
        "Access is granted as soon as you send this form.",
        "提交此表单后即可获得访问权限。",
    ),
    "gate.date_info": ("A date as YYYY-MM-DD", "日期，格式为 YYYY-MM-DD"),
    "gate.ticked": ("yes (ticked)", "是（已勾选）"),
    "status.approved_auto": ("approved automatically", "已自动批准"),
    "field.gate_prompt": ("prompt", "提示语"),
    "field.gate_fields": ("form fields", "表单字段"),
    "field.decision_note": ("reason for the decision", "决定理由"),
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
    "sync.local": (
        "The log is kept locally in {folder} (no Hub dataset configured).",
        "日志保存在本地 {folder}（未配置 Hub 数据集）。",
    ),
    "sync.hub": (
        "Hub dataset **{repo}** · last push: {last_push} · waiting to be pushed: {pending} file(s), {pending_bytes} bytes",
        "Hub 数据集 **{repo}** · 上次推送：{last_push} · 待推送：{pending} 个文件，{pending_bytes} 字节",
    ),
    "sync.never": ("not yet", "尚未推送"),
    "sync.error": ("Last error: {error}", "最近的错误：{error}"),
    # -- Moderation and Research tabs ------------------------------------------------
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
    "mod.hours": ("{n} hours", "{n} 小时"),
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
    "mod.col_due": ("Decision due", "决定期限"),
    "mod.col_claimed": ("Claimed by", "认领人"),
    "mod.time_left": ("{time} left", "剩余 {time}"),
    "mod.overdue_by": ("overdue by {time}", "已逾期 {time}"),
    "mod.overdue_count": ("{n} overdue, shown first", "{n} 项已逾期，排在最前"),
    "mod.escalated": (
        "Escalated: the owner did not answer within {time}.",
        "已升级：所有者未在 {time}内回应。",
    ),
    "mod.reporter_record": (
        "Reporter's record: {filed} filed · {actioned} actioned · {dismissed} dismissed · weight {weight}",
        "举报人记录：共举报 {filed} 次 · 采取措施 {actioned} 次 · 驳回 {dismissed} 次 · 权重 {weight}",
    ),
    "mod.self_report": (
        "Report on their own artifact: no weight in the priority",
        "举报自己的制品：不计入优先级权重",
    ),
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
        "Dismissed {n} items; {skipped} had no open report any more.",
        "已驳回 {n} 个条目；{skipped} 个已没有待处理的举报。",
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
    "research.empty": ("No reports yet.", "暂无举报。"),
    "research.week_of": ("Week of {date}", "{date} 起的一周"),
    "research.no_period": (
        "Periods with no reports are left out.",
        "没有举报的时间段不显示。",
    ),
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
    "research.export_prepare": ("Prepare the export", "准备导出"),
    "research.export_progress": ("Writing the dataset…", "正在写入数据集…"),
    "research.export_ready": ("The export is ready to download.", "导出已就绪，可以下载。"),
    "research.export_button": ("Download the log as a dataset (zip)", "下载日志数据集（zip）"),
    # -- refusals (safeguards.errors: each error names one of these keys) ----------
    "err.not_text": ("The {field} must be text.", "{field}必须是文本。"),
    "err.control_chars": (
        "The {field} contains control characters; please remove them.",
        "{field}包含控制字符，请删除后再试。",
    ),
    "err.required": ("The {field} is required.", "请填写{field}。"),
    "err.too_long": (
        "The {field} is too long ({length} characters; the limit is {limit}).",
        "{field}太长（{length} 个字符，上限为 {limit}）。",
    ),
    "err.bad_tag": (
        "“{tag}” is not a valid tag (lowercase letters, digits and dashes).",
        "“{tag}”不是有效的标签（只能使用小写字母、数字和连字符）。",
    ),
    "err.sign_in": ("Please sign in first.", "请先登录。"),
    "err.owner_only": (
        "Only the artifact's owner or a moderator can do this.",
        "只有制品的所有者或版主可以执行此操作。",
    ),
    "err.moderator_only": ("Only moderators can do this.", "只有版主可以执行此操作。"),
    "err.no_artifact": ("No artifact with id “{id}”.", "没有 ID 为“{id}”的制品。"),
    "err.no_discussion": ("No discussion with id “{id}”.", "没有 ID 为“{id}”的讨论。"),
    "err.no_proposal": ("No proposal with id “{id}”.", "没有 ID 为“{id}”的提议。"),
    "err.no_access_request": (
        "No access request with id “{id}”.",
        "没有 ID 为“{id}”的访问申请。",
    ),
    "err.discussion_action": (
        "A discussion action is one of: {actions}.",
        "讨论操作只能是：{actions}。",
    ),
    "err.access_decision": (
        "Decide with “approve” or “reject”.",
        "请用“approve”（批准）或“reject”（拒绝）作出决定。",
    ),
    "err.no_comment": (
        "No comment with id “{id}” in this discussion.",
        "此讨论中没有 ID 为“{id}”的评论。",
    ),
    "err.choose_reason": ("Choose a reason from the list.", "请从列表中选择一个原因。"),
    "err.other_artifact": (
        "That discussion belongs to another artifact.",
        "该讨论属于另一个制品。",
    ),
    "err.no_new_comments": (
        "This discussion is {status}; no new comments.",
        "此讨论{status}，不能再发表评论。",
    ),
    "err.open_or_closed": (
        "A discussion can be set to open or closed.",
        "讨论只能设为开放或关闭。",
    ),
    "err.locked_by_moderator": ("A moderator locked this discussion.", "版主已锁定此讨论。"),
    "err.discussion_already": (
        "This discussion is already {status}.",
        "此讨论的状态已是“{status}”。",
    ),
    "err.choose_tag": ("Choose at least one tag to add.", "请至少选择一个要添加的标签。"),
    "err.not_proposable": (
        "Only {tag} and the ethics-category tags can be proposed here, not {tags}.",
        "这里只能提议 {tag} 和伦理类别标签，不能提议 {tags}。",
    ),
    "err.tags_present": ("The card already has these tags.", "卡片已经有这些标签。"),
    "err.card_unparsable": (
        "The card's metadata cannot be parsed: {problem}",
        "无法解析卡片的元数据：{problem}",
    ),
    "err.proposal_already": ("This proposal is already {status}.", "此提议的状态已是“{status}”。"),
    "err.not_gated": (
        "This artifact is not gated; no request is needed.",
        "此制品没有访问限制，无需申请。",
    ),
    "err.has_access": ("You already have access.", "你已经获得访问权限。"),
    "err.request_pending": (
        "Your request is already waiting for the owner's answer.",
        "你的申请已在等待所有者答复。",
    ),
    "err.request_already": ("This request was already {status}.", "此申请的状态已是“{status}”。"),
    "err.no_set_form": (
        "No form was set on this page; the card's applies already.",
        "本页没有设置表单，卡片中的表单已在生效。",
    ),
    "err.gate_mode": (
        "The approval is automatic or manual.",
        "审批方式只能是自动或人工。",
    ),
    "err.form_too_many": ("A form has at most {limit} fields.", "表单最多只能有 {limit} 个字段。"),
    "err.form_duplicate": (
        "Line {line} of the fields repeats a label used above; each label must be different.",
        "字段第 {line} 行的标签与前面的重复；每个标签必须不同。",
    ),
    "err.form_no_type": (
        "Line {line} of the fields needs a type after a colon, e.g. “Affiliation: text”. Types: text, checkbox, country, date, select.",
        "字段第 {line} 行需要在冒号后写明类型，例如“Affiliation: text”。类型：text、checkbox、country、date、select。",
    ),
    "err.form_label": (
        "Line {line} of the fields needs a label of at most {limit} characters before the type.",
        "字段第 {line} 行需要在类型前写一个最多 {limit} 个字符的标签。",
    ),
    "err.form_extra": (
        "Line {line} of the fields: only a select field takes options after its type.",
        "字段第 {line} 行：只有 select 字段可以在类型后列出选项。",
    ),
    "err.form_options": (
        "Line {line} of the fields: a select needs 2 to {limit} different options after its type, separated by commas, e.g. “Role: select: Student, Researcher”.",
        "字段第 {line} 行：select 需要在类型后列出 2 到 {limit} 个不同的选项，用逗号分隔，例如“Role: select: Student, Researcher”。",
    ),
    "err.answers_object": (
        "The answers are an object of field label to answer.",
        "回答必须是“字段标签: 回答”形式的对象。",
    ),
    "err.answers_unknown": (
        "The answers name a field this form does not have.",
        "回答中包含此表单没有的字段。",
    ),
    "err.answer_required": (
        "Please answer question {n} of the form.",
        "请回答表单的第 {n} 个问题。",
    ),
    "err.answer_tick": (
        "Please tick box {n} of the form: the owner asks everyone to agree to it.",
        "请勾选表单的第 {n} 项：所有者要求每位申请人同意此项。",
    ),
    "err.answer_text": ("Answer {n} of the form must be text.", "表单的第 {n} 个回答必须是文本。"),
    "err.answer_choice": (
        "Answer {n} of the form must be one of its options.",
        "表单的第 {n} 个回答必须是其选项之一。",
    ),
    "err.answer_country": (
        "Answer {n} of the form must be a country from the list.",
        "表单的第 {n} 个回答必须是列表中的国家或地区。",
    ),
    "err.answer_date": (
        "Answer {n} of the form must be a real date written as YYYY-MM-DD.",
        "表单的第 {n} 个回答必须是按 YYYY-MM-DD 格式填写的有效日期。",
    ),
    "err.answer_long": (
        "Answer {n} of the form is too long (the limit is {limit} characters) or holds control characters.",
        "表单的第 {n} 个回答太长（上限为 {limit} 个字符）或包含控制字符。",
    ),
    "err.preference": ("The preference is on or off.", "此偏好只能开启或关闭。"),
    "err.unknown_action": (
        "Unknown action “{action}”; choose one of: {actions}.",
        "未知操作“{action}”；请从以下操作中选择：{actions}。",
    ),
    "err.unknown_action_short": ("Unknown action “{action}”.", "未知操作“{action}”。"),
    "err.nothing_to_dismiss": (
        "This artifact has no open reports to dismiss.",
        "此制品没有可驳回的待处理举报。",
    ),
    "err.no_change": (
        "“{action}” changes nothing: the artifact is already in that state.",
        "“{action}”不会带来任何变化：制品已处于该状态。",
    ),
    "err.save_failed": (
        "Could not save: the event log refused the write. Nothing was recorded; please try again.",
        "无法保存：事件日志拒绝了写入，没有记录任何内容，请重试。",
    ),
    "err.rate_limited": (
        "You have sent {limit} {what} in the last hour, the most allowed. Please try again later.",
        "你在过去一小时内已发送 {limit} {what}，已达上限。请稍后再试。",
    ),
    "err.comment_hidden": ("That comment is already hidden.", "该评论已被隐藏。"),
    "err.comment_shown": ("That comment is already shown.", "该评论已在显示。"),
    "err.queue_status": ("Status is one of: {statuses}.", "状态只能是以下之一：{statuses}。"),
    "err.choose_from_list": ("Choose {what} from the list.", "请从列表中选择{what}。"),
    "err.filter_text": ("The {what} filter must be text.", "{what}筛选条件必须是文本。"),
    "err.unknown_reasons": ("Unknown reason(s): {values}.", "未知原因：{values}。"),
    "err.unknown_kinds": ("Unknown kind(s): {values}.", "未知类型：{values}。"),
    "err.seen_actions": (
        "seen_actions must be a whole number from 0.",
        "seen_actions 必须是不小于 0 的整数。",
    ),
    "err.choose_items": (
        "Choose at least one queue item to dismiss.",
        "请至少选择一个要驳回的队列项。",
    ),
    "err.bad_date": (
        "{field}: write a date as YYYY-MM-DD, not “{text}”.",
        "{field}：请按 YYYY-MM-DD 格式填写日期，而不是“{text}”。",
    ),
    "err.group_by": ("Group by one of: {values}.", "请按以下之一分组：{values}。"),
    "err.period": (
        "The period is D (day), W (week) or M (month).",
        "周期只能是 D（天）、W（周）或 M（月）。",
    ),
    "err.limit": ("The limit is a whole number from 1 to 1000.", "数量上限须为 1 到 1000 的整数。"),
    "err.log_empty": (
        "The log has no events yet; there is nothing to export.",
        "日志中还没有事件，没有可导出的内容。",
    ),
    "err.internal": (
        "Something went wrong on our side; nothing was changed. Please try again.",
        "服务器出了点问题，没有做任何更改。请重试。",
    ),
    "field.context": ("context", "举报说明"),
    "field.comment": ("comment", "评论"),
    "field.title": ("title", "标题"),
    "field.note": ("note", "备注"),
    "field.reason": ("reason", "理由"),
    "field.tag": ("tag", "标签"),
    "field.query": ("search text", "搜索词"),
    "field.reasons": ("reasons", "原因"),
    "field.kinds": ("kinds", "类型"),
    "field.moderator": ("moderator", "版主"),
    "field.action": ("action", "操作"),
    "field.artifact": ("artifact", "制品"),
    "field.since": ("since", "起始日期"),
    "field.until": ("until", "截止日期"),
    "rate.reports": ("reports", "条举报"),
    "rate.comments": ("comments", "条评论"),
    "rate.preferences": ("preference changes", "次偏好更改"),
    # Toast titles (Gradio shows the toast's type; page.js puts it in the reader's language)
    "toast.info": ("Info", "提示"),
    "toast.warning": ("Warning", "未完成"),
    "toast.error": ("Error", "错误"),
    "toast.success": ("Success", "成功"),
    "toast.close": ("Close", "关闭"),
    # -- the page: sign-in prompts, community, flagging, moderation ----------------
    "signin.reply": ("Sign in to reply.", "登录后即可回复。"),
    "signin.discuss": ("Sign in to start a discussion.", "登录后即可发起讨论。"),
    "signin.flag": ("Sign in to flag this artifact.", "登录后即可标记此制品。"),
    "signin.propose": ("Sign in to propose a tag.", "登录后即可提议标签。"),
    "signin.access": ("Sign in to request access.", "登录后即可申请访问。"),
    "signin.how_demo": (
        "Choose a persona under “Acting as” at the top of the page.",
        "请在页面顶部的“当前身份”中选择一个角色。",
    ),
    "signin.how_oauth": (
        "Use the “Sign in with Hugging Face” button at the top of the page.",
        "请使用页面顶部的“Sign in with Hugging Face”按钮登录。",
    ),
    "signin.how_local": (
        "Ask the person who runs this app for an account.",
        "请向运行此应用的人申请账号。",
    ),
    "artifact.copy_link": ("Copy link", "复制链接"),
    "artifact.link_copied": ("Link copied.", "链接已复制。"),
    "artifact.updated": ("updated", "更新于"),
    "artifact.downloads": ("{n} downloads", "{n} 次下载"),
    "artifact.likes": ("{n} likes", "{n} 个赞"),
    "artifact.no_safeguards": (
        "none: public, no gate, no content warning",
        "无：公开、无访问限制、无内容警告",
    ),
    "badge.private_requested": ("asked to go private", "已请求设为私有"),
    "artifact.disabled_reported": (
        "Access to this artifact has been disabled by the moderators after community reports.",
        "在社区举报后，版主已禁用对此制品的访问。",
    ),
    "section.missing_some": ("The card does not say: {sections}.", "卡片未说明：{sections}。"),
    "section.none": (
        "This card has none of the sections people look for (intended uses, out-of-scope uses, bias, risks and limitations, social impact).",
        "此卡片没有读者通常会查找的任何章节（预期用途、超出范围的用途、偏见、风险与局限、社会影响）。",
    ),
    "report.title": ("Report: {reason}", "举报：{reason}"),
    "proposal.title": ("Add tags: {tags}", "添加标签：{tags}"),
    "thread.discussion": ("Discussion", "讨论"),
    "thread.report": ("Report", "举报"),
    "thread.proposal": ("Pull request", "拉取请求"),
    "thread.comments": ("{n} comments", "{n} 条评论"),
    "thread.comments.one": ("{n} comment", "{n} 条评论"),
    "community.title": ("Community", "社区"),
    "community.filter": ("Show", "显示"),
    "community.filter_open": ("Open", "进行中"),
    "community.filter_closed": ("Closed", "已结束"),
    "community.filter_all": ("All", "全部"),
    "community.meta": ("{author} · {date} · {comments}", "{author} · {date} · {comments}"),
    "community.none": (
        "No discussions, reports or pull requests you can see yet.",
        "暂无你可见的讨论、举报或拉取请求。",
    ),
    "community.none_here": ("Nothing with this status.", "没有此状态的条目。"),
    "community.pick": (
        "Choose a discussion, report or pull request above to read it.",
        "从上方选择一个讨论、举报或拉取请求即可查看。",
    ),
    "flag.help": (
        "Flag what breaks the content guidelines. Your report opens a discussion that only you, the owner and the moderators can read.",
        "标记违反内容指南的内容。你的举报会开启一个仅你、所有者和版主可见的讨论。",
    ),
    "flag.whole_artifact": ("The artifact itself", "制品本身"),
    "flag.open_thread": ("Open the report's discussion", "打开此举报的讨论"),
    "propose.done": ("Pull request opened.", "已发起拉取请求。"),
    "propose.none_left": (
        "The card already has every tag that can be proposed here.",
        "卡片已包含这里可提议的所有标签。",
    ),
    "access.pending_count": ("{n} waiting", "{n} 个待审核"),
    "mod.confirm": ("Yes, do it", "确认执行"),
    "mod.cancel": ("Cancel", "取消"),
    "mod.confirm_question": (
        "“{action}” on {artifact}: people will no longer reach it. Are you sure?",
        "对 {artifact} 执行“{action}”：其他人将无法再访问它。确定吗？",
    ),
    "mod.reported": ("Report", "举报"),
    "mod.items": ("{n} items", "{n} 个条目"),
    "mod.items.one": ("{n} item", "{n} 个条目"),
    "mod.reports_count": ("{n} reports", "{n} 条举报"),
    "mod.reports_count.one": ("{n} report", "{n} 条举报"),
    "mod.oldest": ("oldest waiting {oldest}", "最久已等待 {oldest}"),
    "mod.showing_first": (
        "the table shows the {shown} most urgent; narrow with the filters to see others",
        "表格仅显示最紧急的 {shown} 项；使用筛选条件查看其余条目",
    ),
    "mod.hours.one": ("{n} hour", "{n} 小时"),
    "mod.days.one": ("{n} day", "{n} 天"),
    "mod.bulk_done.one": (
        "Dismissed {n} item; {skipped} had no open report any more.",
        "已驳回 {n} 个条目；{skipped} 个已没有待处理的举报。",
    ),
    "field.items": ("items", "条目"),
    "activity.notices": ("Decisions on my artifacts and comments", "关于我的制品和评论的处理决定"),
    "activity.new": ("new", "有更新"),
    "activity.filed": ("filed {date}", "提交于 {date}"),
    "activity.owner_answered": ("The owner answered ({date}):", "所有者已回复（{date}）："),
    "activity.no_answer": ("No answer from the owner yet.", "所有者尚未回复。"),
    "activity.decisions": ("Moderators:", "版主处理："),
    "activity.decided": ("{action} on {date} (“{note}”)", "{date} {action}（“{note}”）"),
    "activity.undone": (
        "undone on {date}: {action} (“{note}”)",
        "{date} 已撤销：{action}（“{note}”）",
    ),
    "activity.open_thread": ("Open the report's discussion", "打开此举报的讨论"),
    "activity.why": ("Why:", "原因："),
    "activity.no_reports": ("You have not flagged anything yet.", "你还没有标记过任何内容。"),
    "activity.no_notices": (
        "No moderator has acted on your artifacts or comments.",
        "版主没有对你的制品或评论采取过任何操作。",
    ),
    "activity.no_access": (
        "You have not requested access to anything.",
        "你还没有申请过任何访问权限。",
    ),
    # -- appeals and decision notices -------------------------------------------
    "err.no_action": ("No moderator decision with id “{id}”.", "没有 ID 为“{id}”的版主决定。"),
    "err.appeal_not_yours": (
        "Only the person this decision is about (the artifact's owner, or the author of the hidden comment) can appeal it.",
        "只有该决定所涉及的人（制品所有者或被隐藏评论的作者）可以申诉。",
    ),
    "err.not_appealable": ("“{action}” cannot be appealed.", "“{action}”不能申诉。"),
    "err.already_appealed": ("This decision has already been appealed.", "此决定已经申诉过。"),
    "err.appeal_too_late": (
        "The time to appeal this decision ended on {date}.",
        "此决定的申诉期已于 {date} 结束。",
    ),
    "err.appeal_outcome": (
        "Choose to uphold or to reverse the decision.",
        "请选择维持或撤销该决定。",
    ),
    "err.no_appeal": ("No appeal with id “{id}”.", "没有 ID 为“{id}”的申诉。"),
    "err.appeal_decided": (
        "This appeal was already decided: {status}.",
        "此申诉已有结果：{status}。",
    ),
    "err.appeal_own_action": (
        "Another moderator must decide this appeal: the decision is yours.",
        "此决定由你作出，需由另一位版主处理申诉。",
    ),
    "field.statement": ("statement", "申诉陈述"),
    "appeal.pending": ("waiting for a moderator", "等待版主处理"),
    "appeal.upheld": ("decision upheld", "维持原决定"),
    "appeal.reversed": ("decision reversed", "已撤销原决定"),
    "modaction.appeal_upheld": ("Appeal: decision upheld", "申诉：维持原决定"),
    "modaction.appeal_reversed": ("Appeal: decision reversed", "申诉：撤销原决定"),
    "notice.guideline": ("Guideline:", "依据的指南："),
    "notice.no_guideline": (
        "No report: a moderator's own decision.",
        "无举报：版主主动作出的决定。",
    ),
    "notice.can_appeal": (
        "You can appeal until {date}: choose it under “Appeal a decision” below.",
        "你可以在 {date} 前申诉：请在下方“申诉处理决定”中选择此决定。",
    ),
    "notice.appealed": ("Appealed on {date}: {status}.", "已于 {date} 申诉：{status}。"),
    "notice.appeal_note": ("The moderator's answer:", "版主的答复："),
    "notice.closed": ("The time to appeal ended on {date}.", "申诉期已于 {date} 结束。"),
    "notice.in_thread": (
        "The artifact's owner can appeal this decision within 30 days, from My activity.",
        "制品所有者可在 30 天内通过“我的动态”对此决定提出申诉。",
    ),
    "appeal.title": ("Appeal a decision", "申诉处理决定"),
    "appeal.help": (
        "Explain why the decision should be looked at again. A moderator other than the one who decided will answer; you will see the outcome here and in the report's discussion.",
        "请说明为何应重新审视该决定。将由作出决定者以外的另一位版主答复；你会在这里和举报讨论中看到结果。",
    ),
    "appeal.pick": ("Decision", "处理决定"),
    "appeal.statement": ("Your statement (up to 5,000 characters)", "你的申诉陈述（最多 5000 字）"),
    "appeal.submit": ("Send the appeal", "提交申诉"),
    "appeal.done": ("Appeal {id} sent. A moderator will answer.", "已提交申诉 {id}，版主会答复。"),
    "appeal.none_open": ("No decision you can appeal right now.", "目前没有可以申诉的决定。"),
    "mod.appeals": ("Appeals", "申诉"),
    "mod.appeals_none": ("No appeal is waiting.", "没有待处理的申诉。"),
    "mod.appeal_line": (
        "{appellant} appeals “{action}” on {artifact} (decided by {moderator} on {date})",
        "{appellant} 对 {artifact} 的“{action}”提出申诉（由 {moderator} 于 {date} 决定）",
    ),
    "mod.appeal_statement": ("Statement:", "申诉陈述："),
    "mod.appeal_original": ("The decision's note:", "原决定的备注："),
    "mod.appeal_pick": ("Appeal", "申诉"),
    "mod.appeal_outcome": ("Outcome", "结果"),
    "mod.appeal_uphold": ("Uphold the decision", "维持原决定"),
    "mod.appeal_reverse": ("Reverse the decision", "撤销原决定"),
    "mod.appeal_note": (
        "Answer to the appellant (kept in the audit log)",
        "给申诉人的答复（记入审计日志）",
    ),
    "mod.appeal_decide": ("Decide", "作出决定"),
    "mod.appeal_done": ("Appeal decided: {status}.", "申诉已处理：{status}。"),
    "mod.appeals_waiting": ("{n} appeals waiting", "{n} 个申诉待处理"),
    "mod.appeals_waiting.one": ("{n} appeal waiting", "{n} 个申诉待处理"),
    "tab.transparency": ("Transparency", "透明度"),
    "transparency.intro": (
        "What was reported each month, what moderators did and how quickly owners and moderators answered, computed from the public event log. No usernames and no report texts.",
        "每月收到的举报、版主采取的措施，以及所有者和版主的回应速度，均根据公开的事件日志计算。不含用户名和举报内容。",
    ),
    "transparency.demo_note": (
        "Demo mode: the seeded demo history is included.",
        "演示模式：包含预置的演示历史数据。",
    ),
    "transparency.none": ("No reports yet.", "还没有举报。"),
    "transparency.reports_by_reason": ("Reports by reason", "按原因统计的举报"),
    "transparency.reports_by_kind": ("Reports by kind of artifact", "按制品类型统计的举报"),
    "transparency.actions": ("Moderator actions by type", "按类型统计的版主操作"),
    "transparency.owner_hides_by_reason": (
        "Comments hidden by artifact owners, by reason",
        "制品所有者隐藏的评论（按原因）",
    ),
    "transparency.times": (
        "Hours to the owner's first answer and to a moderator's decision (by the month of the report)",
        "从举报到所有者首次回应、到版主作出决定的小时数（按举报所在月份）",
    ),
    "transparency.appeals": ("Appeals decided", "已处理的申诉"),
    "transparency.download": ("Download the figures (CSV)", "下载统计数据（CSV）"),
    "transparency.col_month": ("Month", "月份"),
    "transparency.col_reason": ("Reason", "原因"),
    "transparency.col_kind": ("Kind", "类型"),
    "transparency.col_modaction": ("Action", "操作"),
    "transparency.col_hide": ("Reason for hiding", "隐藏原因"),
    "transparency.col_owner": ("Owner's answer, median / p90", "所有者回应：中位数 / p90"),
    "transparency.col_decision": ("Decision, median / p90", "版主决定：中位数 / p90"),
    "transparency.col_decided": ("Decided", "已处理"),
    "transparency.col_upheld": ("Upheld", "维持原决定"),
    "transparency.all_reasons": ("All reasons", "全部原因"),
    "err.reset_not_demo": (
        "Resetting is only for the demo (demo mode).",
        "只有演示模式可以重置。",
    ),
    "err.reset_hub": (
        "This demo keeps its log in a Hub dataset, which would bring the old history back: stop the app, move the dataset's files aside and start again.",
        "此演示把日志保存在 Hub 数据集中，重置后旧的历史会被同步回来：请停止应用，移走数据集中的文件后再启动。",
    ),
    "demo.reset_title": ("Reset the demo", "重置演示"),
    "demo.reset_help": (
        "Starts the demo again from its example history. The current state folder is kept, renamed, beside the new one: nothing is deleted.",
        "让演示从示例历史重新开始。当前的状态文件夹会改名保留在新文件夹旁边，不会删除任何内容。",
    ),
    "demo.reset_button": ("Reset demo", "重置演示"),
    "demo.reset_confirm": (
        "Reset the demo for everyone using it now? Their changes stay in the kept folder but leave the app.",
        "确定为所有正在使用的人重置演示吗？他们的更改会保留在旧文件夹中，但会从应用中消失。",
    ),
    "demo.reset_yes": ("Yes, reset", "确定重置"),
    "demo.reset_cancel": ("Cancel", "取消"),
    "demo.reset_done": (
        "The demo starts again from its example history ({n} events). The previous state is kept in {kept}.",
        "演示已从示例历史（{n} 个事件）重新开始。之前的状态保存在 {kept}。",
    ),
    "guide.title": ("Try this", "试试看"),
    "guide.visitor": (
        "You are a **visitor**: you can look at everything public.\n\n"
        "1. **Content warning**: open [demo-studio/nightmare-canvas-xl](?artifact=demo-studio/nightmare-canvas-xl). The popup asks first; *View content* shows the card.\n"
        "2. **Gated access**: open [demo-studio/face-attribute-classifier](?artifact=demo-studio/face-attribute-classifier). Its files ask for a request; pick *Community member* under “Acting as” to send one. [google/gemma-2b](?artifact=google/gemma-2b) asks for a ticked box and grants access at once; [meta-llama/Llama-2-7b-hf](?artifact=meta-llama/Llama-2-7b-hf) asks for a Hub-style form.\n"
        "3. **Research**: the *Research* tab charts three months of example reports by reason, kind and category.\n"
        "4. Switch persona under “Acting as” to try flagging, answering as the owner or moderating.",
        "你现在是**访客**：可以查看所有公开内容。\n\n"
        "1. **内容警告**：打开 [demo-studio/nightmare-canvas-xl](?artifact=demo-studio/nightmare-canvas-xl)。弹窗会先询问；点击“查看内容”即可看到卡片。\n"
        "2. **受限访问**：打开 [demo-studio/face-attribute-classifier](?artifact=demo-studio/face-attribute-classifier)。其文件需要申请访问；在“当前身份”中选择“社区成员”即可提交申请。[google/gemma-2b](?artifact=google/gemma-2b) 只需勾选同意即可立即获得访问权限；[meta-llama/Llama-2-7b-hf](?artifact=meta-llama/Llama-2-7b-hf) 要求填写 Hub 式的申请表单。\n"
        "3. **研究**：“研究”标签页按原因、类型和类别展示三个月的示例举报。\n"
        "4. 在“当前身份”中切换角色，体验标记、以所有者身份回复或审核。",
    ),
    "guide.member": (
        "You are a **community member**.\n\n"
        "1. **Flag**: open [demo-studio/recipe-assistant-1b](?artifact=demo-studio/recipe-assistant-1b), choose a reason under *Flag this artifact*, explain, and send. Your report joins the two spam reports already in the moderators' queue.\n"
        "2. **My activity**: your earlier reports, the owner's answer, and the moderator's decision on the scraped portraits.\n"
        "3. **Propose a tag**: on [demo-studio/recipe-assistant-1b](?artifact=demo-studio/recipe-assistant-1b), use *Propose a tag* (an ethics tag): the owner merges or closes the pull request.\n"
        "4. **Content preference**: under *Content preferences* in *My activity*, choose to see mature content without the popup.",
        "你现在是**社区成员**。\n\n"
        "1. **标记**：打开 [demo-studio/recipe-assistant-1b](?artifact=demo-studio/recipe-assistant-1b)，在“标记此制品”下选择原因、写明情况并提交。你的举报会与审核队列中已有的两条垃圾信息举报归为一项。\n"
        "2. **我的动态**：查看你之前的举报、所有者的回复，以及版主对爬取肖像数据集的决定。\n"
        "3. **提议标签**：在 [demo-studio/recipe-assistant-1b](?artifact=demo-studio/recipe-assistant-1b) 上通过“提议添加标签”提议一个伦理标签，由所有者合并或关闭该拉取请求。\n"
        "4. **内容偏好**：在“我的动态”的“内容偏好”中选择不经弹窗直接显示成人内容。",
    ),
    "guide.owner": (
        "You are **demo-studio**, owner of the `demo-studio/…` artifacts.\n\n"
        "1. **Answer a report**: open [demo-studio/carbon-receipt](?artifact=demo-studio/carbon-receipt) and reply in its report discussion, openly.\n"
        "2. **Tag proposal**: on [demo-studio/scraped-portraits-40k](?artifact=demo-studio/scraped-portraits-40k), merge the not-for-all-audiences proposal, then switch to *Visitor* to see the popup.\n"
        "3. **Access requests**: on [demo-studio/face-attribute-classifier](?artifact=demo-studio/face-attribute-classifier), approve or reject the waiting request, or under *Access form* choose automatic approval and the fields requesters fill.\n"
        "4. **Decisions about you**: *My activity* lists the moderators' actions on your artifacts and your appeal.",
        "你现在是 **demo-studio**，即 `demo-studio/…` 制品的所有者。\n\n"
        "1. **回复举报**：打开 [demo-studio/carbon-receipt](?artifact=demo-studio/carbon-receipt)，在举报讨论中公开回复。\n"
        "2. **标签提议**：在 [demo-studio/scraped-portraits-40k](?artifact=demo-studio/scraped-portraits-40k) 上合并“不适合所有观众”提议，然后切换为“访客”查看弹窗。\n"
        "3. **访问申请**：在 [demo-studio/face-attribute-classifier](?artifact=demo-studio/face-attribute-classifier) 上批准或拒绝待处理的申请，或在“访问申请表单”中选择自动批准并设置申请人需填写的字段。\n"
        "4. **关于你的决定**：“我的动态”列出版主对你的制品采取的措施以及你的申诉。",
    ),
    "guide.moderator": (
        "You are a **moderator**.\n\n"
        "1. **Triage**: in *Moderation* → *Report queue*, open the top item: its reports, origin, the owner's answers and its history. Choose an action and write a note.\n"
        "2. **Appeals**: demo-studio appeals the downgrade of grimdark-fiction-7b; uphold or reverse it.\n"
        "3. **Audit log**: every decision with who, when and why, and a CSV export.\n"
        "4. **Export as a researcher**: in *Research* → *Export the whole log*, download it as a dataset; the example rows are marked `demo`.\n"
        "5. *Reset demo*, at the bottom of *Moderation*, starts the example history again.",
        "你现在是**版主**。\n\n"
        "1. **分诊**：在“审核”→“举报队列”中打开第一项：查看其举报、来源、所有者的回复和历史。选择措施并填写备注。\n"
        "2. **申诉**：demo-studio 对 grimdark-fiction-7b 被降级提出申诉；维持或撤销该决定。\n"
        "3. **审核日志**：每项决定的执行人、时间和理由，可导出 CSV。\n"
        "4. **以研究者身份导出**：在“研究”→“导出完整日志”中把日志下载为数据集；示例行标记为 `demo`。\n"
        "5. “审核”标签页底部的“重置演示”可让示例历史重新开始。",
    ),
}

# Interaction limits on an artifact and suspensions of a user (issue 15, item 4).
_TEXTS.update(
    {
        "limits.title": ("Interaction limits", "互动限制"),
        "limits.help": (
            "Limit for a while who may open discussions and comment here, as on GitHub. The owner and the moderators are never limited, and reports stay open to everyone.",
            "在一段时间内限制谁可以在这里发起讨论和评论（与 GitHub 相同）。所有者和版主不受限制，举报始终对所有人开放。",
        ),
        "limits.level": ("Who may open discussions and comment", "谁可以发起讨论和评论"),
        "limits.level_established": (
            "Only members active here for at least 7 days",
            "仅限在此活跃至少 7 天的成员",
        ),
        "limits.level_owner": ("Only the owner and moderators", "仅限所有者和版主"),
        "limits.duration": ("For", "期限"),
        "limits.duration_1d": ("1 day", "1 天"),
        "limits.duration_3d": ("3 days", "3 天"),
        "limits.duration_1w": ("1 week", "1 周"),
        "limits.duration_1m": ("1 month", "1 个月"),
        "limits.duration_6m": ("6 months", "6 个月"),
        "limits.duration_until_lifted": ("Until a moderator lifts it", "直到版主解除"),
        "limits.apply": ("Apply the limit", "应用限制"),
        "limits.lift": ("Remove the limit", "取消限制"),
        "limits.none": (
            "No limit: every signed-in member may open discussions and comment.",
            "没有限制：所有已登录成员都可以发起讨论和评论。",
        ),
        "limits.line_established": (
            "Discussions here are limited until {until}: only members active in this app for at least {days} days, the owner and moderators can open discussions or comment. Reports stay open.",
            "此处的讨论受限至 {until}：只有在本应用活跃至少 {days} 天的成员、所有者和版主可以发起讨论或评论。举报仍然开放。",
        ),
        "limits.line_owner": (
            "Discussions here are limited until {until}: only the owner and moderators can open discussions or comment. Reports stay open.",
            "此处的讨论受限至 {until}：只有所有者和版主可以发起讨论或评论。举报仍然开放。",
        ),
        "limits.done": ("The limit is in force until {until}.", "限制已生效，至 {until} 为止。"),
        "limits.lifted": ("The limit is removed.", "限制已取消。"),
        "err.limited_established": (
            "Discussions on {id} are limited until {until}: only members whose first activity in this app is at least {days} days old (and its owner and moderators) can open discussions or comment. You can still flag it.",
            "{id} 的讨论受限至 {until}：只有在本应用首次活动已满 {days} 天的成员（以及所有者和版主）可以发起讨论或评论。你仍然可以标记它。",
        ),
        "err.limited_owner": (
            "Discussions on {id} are limited to its owner and moderators until {until}. You can still flag it.",
            "{id} 的讨论在 {until} 之前仅限所有者和版主参与。你仍然可以标记它。",
        ),
        "err.suspended": (
            "You are suspended from reporting and commenting until {until}. The moderators' note: {note}",
            "你在 {until} 之前被停止举报和评论的权限。版主的说明：{note}",
        ),
        "err.suspended_until_lifted": (
            "You are suspended from reporting and commenting until a moderator lifts it. The moderators' note: {note}",
            "你被停止举报和评论的权限，直到版主解除为止。版主的说明：{note}",
        ),
        "err.limit_level": (
            "Choose who may open discussions and comment: one of {levels}.",
            "请选择谁可以发起讨论和评论：{levels} 之一。",
        ),
        "err.limit_duration": (
            "Choose how long the limit lasts: one of {durations}.",
            "请选择限制的期限：{durations} 之一。",
        ),
        "err.no_limit": (
            "{id} has no interaction limit in force.",
            "{id} 当前没有生效的互动限制。",
        ),
        "err.suspension_period": (
            "Choose how long the suspension lasts: one of {periods}.",
            "请选择停权的期限：{periods} 之一。",
        ),
        "err.suspend_self": ("You cannot suspend yourself.", "你不能对自己停权。"),
        "err.suspend_moderator": (
            "Moderators cannot be suspended: whoever runs the app can remove them from SAFEGUARDS_MODERATORS.",
            "版主不能被停权：运行本应用的人可以将其从 SAFEGUARDS_MODERATORS 中移除。",
        ),
        "err.no_member": (
            "Nobody called {user} has done anything here yet: check the name.",
            "还没有名为 {user} 的用户在这里有过任何活动：请检查用户名。",
        ),
        "err.already_suspended": (
            "{user} is already suspended: lift that suspension first to change it.",
            "{user} 已被停权：如需更改，请先解除该停权。",
        ),
        "err.not_suspended": ("{user} is not suspended.", "{user} 没有被停权。"),
        "err.bad_username": (
            "“{user}” is not a username (no spaces).",
            "“{user}”不是用户名（不能含空格）。",
        ),
        "field.username": ("username", "用户名"),
        "mod.suspensions": ("Suspensions", "停权"),
        "suspend.help": (
            "Suspend a user from reporting, opening discussions, commenting, proposing tags and requesting access, for a period, with a note they read. You cannot suspend yourself or another moderator.",
            "在一段时间内停止某位用户举报、发起讨论、评论、提议标签和申请访问的权限，并附上该用户会看到的说明。你不能对自己或其他版主停权。",
        ),
        "suspend.user": ("Username", "用户名"),
        "suspend.period": ("For", "期限"),
        "suspend.note": ("Note (the user reads it)", "说明（用户会看到）"),
        "suspend.apply": ("Suspend", "停权"),
        "suspend.confirm_question": (
            "**Suspend this user?** Until the end of the period they cannot flag, open discussions, comment, propose tags or request access.",
            "**确定对该用户停权吗？** 在期限结束前，该用户不能标记、发起讨论、评论、提议标签或申请访问。",
        ),
        "suspend.done": ("{user} is suspended.", "{user} 已被停权。"),
        "suspend.active": ("Suspensions in force", "生效中的停权"),
        "suspend.none": ("Nobody is suspended.", "目前没有人被停权。"),
        "suspend.line": (
            "{user} · until {until} · by {moderator} on {date}",
            "{user} · 至 {until} · 由 {moderator} 于 {date} 执行",
        ),
        "suspend.line_until_lifted": (
            "{user} · until lifted · by {moderator} on {date}",
            "{user} · 直到解除 · 由 {moderator} 于 {date} 执行",
        ),
        "suspend.lift_pick": ("Suspension to lift", "要解除的停权"),
        "suspend.lift_note": ("Why it is lifted", "解除理由"),
        "suspend.lift": ("Lift the suspension", "解除停权"),
        "suspend.lifted": ("The suspension of {user} is lifted.", "{user} 的停权已解除。"),
        "modaction.suspend_user": ("Suspend a user", "对用户停权"),
        "modaction.lift_suspension": ("Lift a suspension", "解除停权"),
        "mod.audit_user": ("user {user}", "用户 {user}"),
        "activity.suspended": (
            "You are suspended from reporting and commenting until {until}: until then you cannot flag, open discussions, comment, propose tags or request access.",
            "你在 {until} 之前被停止举报和评论的权限：在此之前你不能标记、发起讨论、评论、提议标签或申请访问。",
        ),
        "activity.suspended_until_lifted": (
            "You are suspended from reporting and commenting until a moderator lifts it: until then you cannot flag, open discussions, comment, propose tags or request access.",
            "你被停止举报和评论的权限，直到版主解除为止：在此之前你不能标记、发起讨论、评论、提议标签或申请访问。",
        ),
        "activity.suspension_note": ("The moderators' note:", "版主的说明："),
    }
)

for _c in CATEGORIES:
    _TEXTS[f"category.{_c.slug}"] = (_c.name["en"], _c.name["zh-CN"])
    _TEXTS[f"category_desc.{_c.slug}"] = (_c.description["en"], _c.description["zh-CN"])
for _r in REASONS:
    _TEXTS[f"reason.{_r.slug}"] = (_r.label["en"], _r.label["zh-CN"])
_TEXTS.update(POLICY_TEXTS)  # hide/lock reasons, guidelines, claims

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


def trn(key: str, count: int, lang: str = "en", **values: object) -> str:
    """`tr` for a sentence about `count` things: the `<key>.one` form when there is one
    of them and the language has it (English), else `<key>`; `{n}` is the count."""
    table = TRANSLATIONS.get(lang) or TRANSLATIONS["en"]
    chosen = f"{key}.one" if count == 1 and f"{key}.one" in table else key
    return tr(chosen, lang, n=f"{count:,}", **values)


class Term(str):
    """A parameter of a sentence that is itself a translation key (a field's name, a
    status): `tr` puts it in the sentence's language."""


def tr(key: str, lang: str = "en", **values: object) -> str:
    table = TRANSLATIONS.get(lang) or TRANSLATIONS["en"]
    text = table.get(key) or TRANSLATIONS["en"].get(key) or key
    if not values:
        return text
    words = {k: tr(v, lang) if isinstance(v, Term) else v for k, v in values.items()}
    return text.format(**words)
