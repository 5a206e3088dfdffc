"""Cards: YAML metadata + markdown, parsed and edited with huggingface_hub's card utilities."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import yaml
from huggingface_hub import RepoCard

CARD_ERRORS = (ValueError, yaml.YAMLError)

# Headings people look for, matched loosely so real cards' variants are found.
SECTION_PATTERNS: dict[str, re.Pattern[str]] = {
    "intended_uses": re.compile(r"intended|direct use|uses\b", re.I),
    "out_of_scope": re.compile(r"out[- ]of[- ]scope|misuse", re.I),
    "bias_risks": re.compile(r"bias|risk|limitation", re.I),
    "social_impact": re.compile(r"social impact|societal|impact", re.I),
}
_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$", re.M)
_FRONT = re.compile(r"\A---\n(.*?)\n?---\n", re.S)  # YAML front matter, as the Hub writes it


@dataclass(frozen=True)
class ParsedCard:
    metadata: dict
    body: str
    sections: dict[str, str]


def parse_card(text: str) -> ParsedCard:
    """Split front matter from markdown; bad YAML is shown as text rather than crashing."""
    try:
        card = RepoCard(text, ignore_metadata_errors=True)
        metadata = card.data.to_dict()
        body = card.text
    except CARD_ERRORS:
        metadata, body = {}, text
    return ParsedCard(metadata=metadata, body=body, sections=find_sections(body))


def find_sections(markdown: str) -> dict[str, str]:
    """The text under each wanted heading (first match wins, sub-headings included)."""
    headings = list(_HEADING.finditer(markdown))
    found: dict[str, str] = {}
    for index, match in enumerate(headings):
        level = len(match.group(1))
        end = len(markdown)
        for later in headings[index + 1 :]:
            if len(later.group(1)) <= level:
                end = later.start()
                break
        title = match.group(2)
        for key, pattern in SECTION_PATTERNS.items():
            if key not in found and pattern.search(title):
                found[key] = markdown[match.end() : end].strip()
                break
    return found


def with_added_tags(text: str, tags: list[str] | tuple[str, ...]) -> str:
    """The card with `tags` appended to its metadata tags (a no-op for tags it has)."""
    card = RepoCard(text, ignore_metadata_errors=True)
    current = list(card.data.tags or [])
    card.data.tags = current + [t for t in tags if t not in current]
    return str(card)


def with_metadata_defaults(text: str, values: dict[str, object]) -> str:
    """The card with each of `values` added to its metadata where the card has no such
    key (the card's own value wins). The new keys are appended to the front matter as
    written (not dumped again), so the rest of the card stays byte for byte; a card
    whose metadata cannot be parsed is left as it was."""
    match = _FRONT.match(text)
    try:
        found = yaml.safe_load(match.group(1)) if match else {}
    except yaml.YAMLError:
        return text
    if not isinstance(found, dict | type(None)):
        return text
    missing = {k: v for k, v in values.items() if k not in (found or {})}
    if not missing:
        return text
    added = yaml.safe_dump(missing, sort_keys=False, allow_unicode=True)
    if match is None:
        return f"---\n{added}---\n{text}"
    kept = match.group(1) + "\n" if match.group(1).strip() else ""
    return f"---\n{kept}{added}---\n{text[match.end() :]}"


def metadata_diff(text: str, tags: list[str] | tuple[str, ...]) -> str:
    """A unified diff of the card before and after adding `tags`, as a PR would show."""
    before = str(RepoCard(text, ignore_metadata_errors=True)).splitlines(keepends=True)
    after = with_added_tags(text, tags).splitlines(keepends=True)
    return "".join(difflib.unified_diff(before, after, "README.md", "README.md (proposed)"))
