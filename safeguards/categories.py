"""The six ethics categories and the report reasons, in both UI languages.

The category texts are our own plain-language summaries of the post's definitions; the
reasons are modelled on the themes of the Hugging Face content guidelines. Severity (1-5)
feeds the moderation queue's priority score.
"""

from __future__ import annotations

from dataclasses import dataclass

CATEGORY_TAG_PREFIX = "ethics-"
NFAA_TAG = "not-for-all-audiences"


@dataclass(frozen=True)
class Category:
    slug: str
    name: dict[str, str]
    description: dict[str, str]

    @property
    def tag(self) -> str:
        """The card tag that places an artifact in this category."""
        return CATEGORY_TAG_PREFIX + self.slug


@dataclass(frozen=True)
class Reason:
    slug: str
    label: dict[str, str]
    severity: int


CATEGORIES: tuple[Category, ...] = (
    Category(
        "rigorous",
        {"en": "Rigorous", "zh-CN": "严谨"},
        {
            "en": "Built with best practice in mind: failure cases and bias audited, privacy "
            "protected, limitations explained to technical and non-technical users alike.",
            "zh-CN": "以最佳实践为准绳：审查失败案例与偏见，保护隐私，并向技术与非技术用户讲清局限。",
        },
    ),
    Category(
        "consentful",
        {"en": "Consentful", "zh-CN": "尊重意愿"},
        {
            "en": "Respects the self-determination of the people who use the technology and of "
            "those it affects, starting with their consent.",
            "zh-CN": "尊重使用者与受影响者的自主决定，从征得他们的同意开始。",
        },
    ),
    Category(
        "socially-conscious",
        {"en": "Socially Conscious", "zh-CN": "社会关怀"},
        {
            "en": "Shows how machine learning can serve social, environmental and scientific "
            "efforts.",
            "zh-CN": "展示机器学习如何助力社会、环境与科学事业。",
        },
    ),
    Category(
        "sustainable",
        {"en": "Sustainable", "zh-CN": "可持续"},
        {
            "en": "Measures and reduces the ecological footprint of training and running models.",
            "zh-CN": "衡量并减少训练和运行模型的生态足迹。",
        },
    ),
    Category(
        "inclusive",
        {"en": "Inclusive", "zh-CN": "包容"},
        {
            "en": "Widens who gets to build machine learning and who benefits from it: more "
            "languages, more communities, more abilities.",
            "zh-CN": "让更多人参与构建机器学习并从中受益：更多语言、更多社群、更多能力。",
        },
    ),
    Category(
        "inquisitive",
        {"en": "Inquisitive", "zh-CN": "追根问底"},
        {
            "en": "Brings inequities and power structures to light and asks the community to "
            "rethink its relationship with technology.",
            "zh-CN": "揭示不平等与权力结构，促使社区重新思考自身与技术的关系。",
        },
    ),
)

CATEGORY_BY_SLUG: dict[str, Category] = {c.slug: c for c in CATEGORIES}
CATEGORY_SLUGS: tuple[str, ...] = tuple(CATEGORY_BY_SLUG)

# In the order of a report dialog: the common reasons first, the rare and grave ones
# after them, "something else" last. Severity, not this order, ranks the queue.
REASONS: tuple[Reason, ...] = (
    Reason("spam", {"en": "Spam or advertising", "zh-CN": "垃圾信息或广告"}, 1),
    Reason(
        "unlabelled-mature",
        {
            "en": "Mature content without the not-for-all-audiences tag",
            "zh-CN": "成人内容未标注“不适合所有观众”",
        },
        2,
    ),
    Reason(
        "license",
        {"en": "Intellectual property or license violation", "zh-CN": "侵犯知识产权或违反许可"},
        2,
    ),
    Reason(
        "deception",
        {"en": "Deception, impersonation or misinformation", "zh-CN": "欺骗、冒充或虚假信息"},
        3,
    ),
    Reason(
        "privacy",
        {"en": "Exposes personal data without consent", "zh-CN": "未经同意泄露个人数据"},
        4,
    ),
    Reason("harassment", {"en": "Harassment, bullying or threats", "zh-CN": "骚扰、欺凌或威胁"}, 4),
    Reason("hate", {"en": "Hate speech or discrimination", "zh-CN": "仇恨言论或歧视"}, 4),
    Reason("violence", {"en": "Promotes or glorifies violence", "zh-CN": "宣扬或美化暴力"}, 4),
    Reason(
        "malware",
        {"en": "Malware, exploits or unsafe code", "zh-CN": "恶意软件、漏洞利用或不安全代码"},
        4,
    ),
    Reason(
        "non-consensual",
        {
            "en": "Non-consensual intimate or deceptive imagery of real people",
            "zh-CN": "未经同意的真人私密或伪造影像",
        },
        5,
    ),
    Reason("unlawful", {"en": "Unlawful content or use", "zh-CN": "违法内容或用途"}, 5),
    Reason("minors", {"en": "Sexual content involving minors", "zh-CN": "涉及未成年人的性内容"}, 5),
    Reason("other", {"en": "Something else (explain below)", "zh-CN": "其他（请在下方说明）"}, 1),
)

REASON_BY_SLUG: dict[str, Reason] = {r.slug: r for r in REASONS}


def category_of_tag(tag: str) -> str | None:
    """The category slug an `ethics-<slug>` tag names, or None for any other tag."""
    if tag.startswith(CATEGORY_TAG_PREFIX):
        slug = tag[len(CATEGORY_TAG_PREFIX) :]
        if slug in CATEGORY_BY_SLUG:
            return slug
    return None


@dataclass(frozen=True)
class ResponseTarget:
    """How long a report of one reason may wait: for the owner's first answer, and for a
    moderator's decision. Hours, counted from when the report was filed."""

    owner_hours: float
    decision_hours: float


# Grave reasons get a day for the owner and two for a decision; the common ones a week
# and two. Per severity, so a new reason gets a target from its severity alone.
TARGET_BY_SEVERITY: dict[int, ResponseTarget] = {
    5: ResponseTarget(24, 48),
    4: ResponseTarget(48, 96),
    3: ResponseTarget(72, 168),
    2: ResponseTarget(168, 336),
    1: ResponseTarget(168, 336),
}
RESPONSE_TARGETS: dict[str, ResponseTarget] = {
    r.slug: TARGET_BY_SEVERITY[r.severity] for r in REASONS
}


def parse_response_targets(spec: str) -> dict[str, ResponseTarget]:
    """The targets with `SAFEGUARDS_RESPONSE_TARGETS` applied over the defaults:
    comma-separated `reason=owner_hours/decision_hours`, e.g. `spam=72/168,minors=12/24`.
    Raises ValueError naming the bad part, so a typo stops the start instead of silently
    keeping a default."""
    targets = dict(RESPONSE_TARGETS)
    for part in (p.strip() for p in (spec or "").split(",")):
        if not part:
            continue
        slug, _, hours = part.partition("=")
        owner, _, decision = hours.partition("/")
        slug = slug.strip()
        if slug not in REASON_BY_SLUG:
            raise ValueError(f"unknown reason {slug!r} in {part!r}")
        try:
            target = ResponseTarget(float(owner), float(decision))
        except ValueError:
            raise ValueError(f"{part!r} is not reason=owner_hours/decision_hours") from None
        if not (0 < target.owner_hours <= 24 * 366 and 0 < target.decision_hours <= 24 * 366):
            raise ValueError(f"hours in {part!r} must be above 0 and at most a year")
        targets[slug] = target
    return targets
