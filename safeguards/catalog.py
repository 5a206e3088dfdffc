"""Loading and validating the artifact catalog (JSON Lines or Parquet).

The catalog is read-only reference data: moderation and tag merges live in the event log
and are laid over it by the folded state. It is kept as one pandas frame (not a million
objects) and turned into `Artifact` records only for the rows a page shows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from safeguards.categories import CATEGORY_BY_SLUG, CATEGORY_SLUGS
from safeguards.records import Artifact, Kind

DEMO_CATALOG = Path(__file__).resolve().parent.parent / "data" / "demo_catalog.jsonl"

REQUIRED_FIELDS: tuple[str, ...] = (
    "id",
    "kind",
    "author",
    "summary",
    "categories",
    "tags",
    "license",
    "downloads",
    "likes",
    "trending",
    "created",
    "updated",
    "card",
)
OPTIONAL_FIELDS: dict[str, Any] = {"gated": False, "paper": None}
_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
_DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
_MAX_ERRORS = 20
CATEGORY_BITS: dict[str, int] = {slug: 1 << i for i, slug in enumerate(CATEGORY_SLUGS)}


def category_bits(slugs: Iterable[str]) -> int:
    """One bit per category, so "any of these categories" is a single AND."""
    bits = 0
    for slug in slugs:
        bits |= CATEGORY_BITS.get(slug, 0)
    return bits


def is_rail_license(license_id: str) -> bool:
    """Open & Responsible AI Licenses: openrail, openrail++, *-openrail-m, bloom's rail-1.0."""
    return "rail" in license_id.lower()


class CatalogError(ValueError):
    """Every problem found, each as `file:line: problem`."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:_MAX_ERRORS]
        more = len(problems) - len(shown)
        text = "\n".join(shown) + (f"\n... and {more} more" if more > 0 else "")
        super().__init__(f"invalid catalog:\n{text}")
        self.problems = problems


@dataclass
class Catalog:
    """The artifacts, one row each, indexed by id (in file order)."""

    frame: pd.DataFrame
    source: Path

    def __post_init__(self) -> None:
        self._row_of: dict[str, int] = {aid: i for i, aid in enumerate(self.frame["id"])}
        # Derived columns that search filters on, computed once.
        self.category_bits = np.fromiter(
            (category_bits(cs) for cs in self.frame["categories"]), np.uint8, len(self.frame)
        )
        self.haystack = (
            self.frame["id"] + " " + self.frame["summary"] + " " + self.frame["tags"].map(" ".join)
        ).str.lower()
        self.rail = self.frame["license"].map(is_rail_license).to_numpy(dtype=bool)

    def __len__(self) -> int:
        return len(self.frame)

    def __contains__(self, artifact_id: object) -> bool:
        return artifact_id in self._row_of

    def row_of(self, artifact_id: str) -> int | None:
        return self._row_of.get(artifact_id)

    def get(self, artifact_id: str) -> Artifact | None:
        row = self._row_of.get(artifact_id)
        return None if row is None else self.artifact_at(row)

    def artifact_at(self, row: int) -> Artifact:
        r = self.frame.iloc[row]
        paper = r["paper"]
        return Artifact(
            id=r["id"],
            kind=Kind(r["kind"]),
            author=r["author"],
            summary=r["summary"],
            categories=tuple(r["categories"]),
            tags=tuple(r["tags"]),
            license=r["license"],
            downloads=int(r["downloads"]),
            likes=int(r["likes"]),
            trending=float(r["trending"]),
            created=r["created"],
            updated=r["updated"],
            gated=bool(r["gated"]),
            paper=paper if isinstance(paper, str) and paper else None,
            card=r["card"],
        )


def load_catalog(path: Path | str | None = None) -> Catalog:
    """Read and validate a catalog; raise CatalogError naming every bad line."""
    source = Path(path) if path else DEMO_CATALOG
    if not source.is_file():
        raise CatalogError([f"{source}: catalog file not found"])
    if source.suffix == ".parquet":
        frame = pd.read_parquet(source)
        line_numbers = np.arange(1, len(frame) + 1)
        problems = [f"{source}: missing column {c!r}" for c in REQUIRED_FIELDS if c not in frame]
        if problems:
            raise CatalogError(problems)
        where = "row"
    else:
        frame, line_numbers = _read_jsonl(source)
        where = "line"
    for name, default in OPTIONAL_FIELDS.items():
        if name not in frame:
            frame[name] = default
    frame = frame[[*REQUIRED_FIELDS, *OPTIONAL_FIELDS]].reset_index(drop=True)
    problems = _validate(frame, line_numbers)
    if problems:
        raise CatalogError([f"{source}:{where} {n}: {p}" for n, p in problems])
    frame["gated"] = frame["gated"].fillna(False).astype(bool)
    for column in ("downloads", "likes"):
        frame[column] = frame[column].astype("int64")
    frame["trending"] = frame["trending"].astype("float64")
    return Catalog(frame=frame, source=source)


def _read_jsonl(source: Path) -> tuple[pd.DataFrame, np.ndarray]:
    records: list[dict[str, Any]] = []
    line_numbers: list[int] = []
    problems: list[str] = []
    required = set(REQUIRED_FIELDS)
    with source.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except (ValueError, UnicodeDecodeError) as exc:
                problems.append(f"{source}:line {number}: malformed JSON ({exc})")
                continue
            if not isinstance(record, dict):
                problems.append(f"{source}:line {number}: not a JSON object")
                continue
            missing = required.difference(record)
            if missing:
                names = ", ".join(sorted(missing))
                problems.append(f"{source}:line {number}: missing field(s) {names}")
                continue
            records.append(record)
            line_numbers.append(number)
    if problems:
        raise CatalogError(problems)
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=REQUIRED_FIELDS)
    return frame, np.asarray(line_numbers, dtype=np.int64)


def _validate(frame: pd.DataFrame, lines: np.ndarray) -> list[tuple[int, str]]:
    """Vectorised checks, so a million-row catalog validates in seconds."""
    problems: list[tuple[int, str]] = []

    def flag(mask: pd.Series, message: str, shown: str | None = None) -> None:
        for row in np.flatnonzero(np.asarray(mask, dtype=bool))[:_MAX_ERRORS]:
            value = f" {frame[shown].iat[row]!r}" if shown else ""
            problems.append((int(lines[row]), message.format(value=value)))

    ids = frame["id"].astype(str)
    namespaces = ids.str.split("/").str[0]
    flag(~ids.str.match(_ID_PATTERN), "bad id{value}: want namespace/name", "id")
    flag(frame["author"] != namespaces, "author{value} must be the id's namespace", "author")
    flag(~frame["kind"].isin([k.value for k in Kind]), "unknown kind{value}", "kind")
    flag(frame["categories"].map(_unknown_categories), "unknown category in{value}", "categories")
    flag(~frame["tags"].map(_is_text_list), "tags must be a list of strings")
    for column in ("summary", "license", "card"):
        flag(~frame[column].map(lambda v: isinstance(v, str)), f"{column} must be text")
    for column in ("downloads", "likes", "trending"):
        values = pd.to_numeric(frame[column], errors="coerce")
        flag(values.isna() | (values < 0), f"{column} must be a number >= 0")
    for column in ("created", "updated"):
        dates = frame[column].astype(str)
        flag(~dates.str.match(_DATE_PATTERN), f"{column} must be YYYY-MM-DD, not{{value}}", column)
    duplicated = ids.duplicated(keep="first").to_numpy()
    first_line = dict(zip(ids[~duplicated], lines[~duplicated], strict=True))
    for row in np.flatnonzero(duplicated)[:_MAX_ERRORS]:
        dup = ids.iat[row]
        message = f"duplicate id {dup!r} (first on line {first_line[dup]})"
        problems.append((int(lines[row]), message))
    problems.sort()
    return problems


def _unknown_categories(value: Any) -> bool:
    if not _is_text_list(value):
        return True
    return any(slug not in CATEGORY_BY_SLUG for slug in value)


def _is_text_list(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
