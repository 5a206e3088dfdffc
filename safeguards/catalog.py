"""Loading and validating the artifact catalog (JSON Lines or Parquet).

The catalog is read-only reference data: moderation and tag merges live in the event log
and are laid over it by the folded state. It is read and checked with Arrow's C++ code
(columns, not rows), so a million-row file loads in seconds, and kept as one pandas frame
with Arrow-backed columns; `Artifact` records are made only for the rows a page shows.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from safeguards.categories import CATEGORY_SLUGS
from safeguards.records import Artifact, Kind

DEMO_CATALOG = Path(__file__).resolve().parent.parent / "data" / "demo_catalog.jsonl"

TEXT_LIST = pa.list_(pa.string())
SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("kind", pa.string()),
        ("author", pa.string()),
        ("summary", pa.string()),
        ("categories", TEXT_LIST),
        ("tags", TEXT_LIST),
        ("license", pa.string()),
        ("downloads", pa.int64()),
        ("likes", pa.int64()),
        ("trending", pa.float64()),
        ("created", pa.string()),
        ("updated", pa.string()),
        ("card", pa.string()),
        ("gated", pa.bool_()),
        ("paper", pa.string()),
    ]
)
OPTIONAL_FIELDS: frozenset[str] = frozenset({"gated", "paper"})
REQUIRED_FIELDS: tuple[str, ...] = tuple(n for n in SCHEMA.names if n not in OPTIONAL_FIELDS)
CATEGORY_BITS: dict[str, int] = {slug: 1 << i for i, slug in enumerate(CATEGORY_SLUGS)}
_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$"
_DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
_MAX_ERRORS = 20


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
    """Every problem found, each as `file:line N: problem`."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:_MAX_ERRORS]
        more = len(problems) - len(shown)
        text = "\n".join(shown) + (f"\n... and {more} more" if more > 0 else "")
        super().__init__(f"invalid catalog:\n{text}")
        self.problems = problems


@dataclass
class Catalog:
    """The artifacts, one row each in file order, with the derived columns search uses."""

    frame: pd.DataFrame
    source: Path
    table: pa.Table = field(repr=False)

    def __post_init__(self) -> None:
        ids = self.table["id"].to_pylist()
        self._row_of: dict[str, int] = dict(zip(ids, range(len(ids)), strict=True))
        self.category_bits = _list_bits(self.table["categories"])
        tags_text = pc.binary_join(self.table["tags"], " ")
        haystack = pc.binary_join_element_wise(
            self.table["id"], self.table["summary"], tags_text, " "
        )
        self.haystack = pd.Series(pc.utf8_lower(haystack).to_pandas(), copy=False)
        lowered = pc.utf8_lower(self.table["license"])
        self.rail = pc.match_substring(lowered, "rail").to_numpy(zero_copy_only=False)
        self._orders: dict[str, np.ndarray] = {}
        self._order_lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.frame)

    def __contains__(self, artifact_id: object) -> bool:
        return artifact_id in self._row_of

    def row_of(self, artifact_id: str) -> int | None:
        return self._row_of.get(artifact_id)

    def order(self, column: str) -> np.ndarray:
        """Row numbers by `column` descending, ties by id: computed once per column, so
        a sorted page is a mask lookup, not a sort of the whole catalog."""
        with self._order_lock:
            if column not in self._orders:
                keys = [(column, "descending"), ("id", "ascending")]
                indices = pc.sort_indices(self.table, sort_keys=keys)
                self._orders[column] = indices.to_numpy()
            return self._orders[column]

    def rows_with_tag(self, tag: str) -> np.ndarray:
        """Boolean mask of rows whose catalog tags include `tag`."""
        tags = self.table["tags"]
        hits = pc.equal(pc.list_flatten(tags), tag).to_numpy(zero_copy_only=False)
        parents = pc.list_parent_indices(tags).to_numpy()
        mask = np.zeros(len(self), dtype=bool)
        mask[parents[hits]] = True
        return mask

    def get(self, artifact_id: str) -> Artifact | None:
        row = self._row_of.get(artifact_id)
        return None if row is None else self.artifact_at(row)

    def artifact_at(self, row: int) -> Artifact:
        r = self.table.slice(row, 1).to_pylist()[0]
        return Artifact(
            id=r["id"],
            kind=Kind(r["kind"]),
            author=r["author"],
            summary=r["summary"],
            categories=tuple(r["categories"]),
            tags=tuple(r["tags"]),
            license=r["license"],
            downloads=r["downloads"],
            likes=r["likes"],
            trending=r["trending"],
            created=r["created"],
            updated=r["updated"],
            gated=bool(r["gated"]),
            paper=r["paper"] or None,
            card=r["card"],
        )


def load_catalog(path: Path | str | None = None) -> Catalog:
    """Read and validate a catalog; raise CatalogError naming every bad line."""
    source = Path(path) if path else DEMO_CATALOG
    if not source.is_file():
        raise CatalogError([f"{source}: catalog file not found"])
    if source.suffix == ".parquet":
        table, lines, where = _read_parquet(source), None, "row"
    else:
        table, lines = _read_jsonl(source)
        where = "line"
    lines = np.arange(1, table.num_rows + 1) if lines is None else lines
    problems = _validate(table, lines)
    if problems:
        raise CatalogError([f"{source}:{where} {n}: {p}" for n, p in problems])
    table = table.set_column(
        SCHEMA.get_field_index("gated"), "gated", pc.fill_null(table["gated"], False)
    )
    frame = table.to_pandas(types_mapper=_arrow_lists)
    return Catalog(frame=frame, source=source, table=table)


def _arrow_lists(arrow_type: pa.DataType) -> pd.ArrowDtype | None:
    """Keep list columns in Arrow (no million small numpy arrays)."""
    return pd.ArrowDtype(arrow_type) if pa.types.is_list(arrow_type) else None


def _read_parquet(source: Path) -> pa.Table:
    table = pq.read_table(source)
    missing = [c for c in REQUIRED_FIELDS if c not in table.column_names]
    if missing:
        raise CatalogError([f"{source}: missing column {c!r}" for c in missing])
    return _conform(table, source)


def _conform(table: pa.Table, source: Path) -> pa.Table:
    """The table in SCHEMA's column order and types (optional columns filled)."""
    columns = []
    for schema_field in SCHEMA:
        if schema_field.name in table.column_names:
            column = table[schema_field.name]
            try:
                columns.append(column.cast(schema_field.type))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise CatalogError([f"{source}: column {schema_field.name!r}: {exc}"]) from None
        else:
            columns.append(pa.nulls(table.num_rows, schema_field.type))
    return pa.Table.from_arrays(columns, schema=SCHEMA)


def _read_jsonl(source: Path) -> tuple[pa.Table, np.ndarray]:
    """Arrow's JSON reader first; if it refuses the file, a line-by-line pass says where."""
    data = source.read_bytes()
    raw_lines = data.split(b"\n")
    kept = [i + 1 for i, line in enumerate(raw_lines) if line.strip()]
    lines = np.asarray(kept, dtype=np.int64)
    options = pa_json.ParseOptions(explicit_schema=SCHEMA, unexpected_field_behavior="ignore")
    try:
        table = pa_json.read_json(io.BytesIO(data), parse_options=options)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise CatalogError(_line_problems(source, raw_lines)) from None
    if table.num_rows != len(lines):  # should not happen; never report wrong lines
        raise CatalogError(_line_problems(source, raw_lines))
    return _conform(table, source), lines


def _line_problems(source: Path, raw_lines: list[bytes]) -> list[str]:
    """The slow, exact path: which lines are not JSON objects with the right types."""
    problems: list[str] = []
    for number, raw in enumerate(raw_lines, start=1):
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
        for problem in _record_type_problems(record):
            problems.append(f"{source}:line {number}: {problem}")
    return problems or [f"{source}: cannot be read as JSON Lines"]


def _record_type_problems(record: dict[str, Any]) -> list[str]:
    problems = []
    missing = [name for name in REQUIRED_FIELDS if name not in record]
    if missing:
        problems.append(f"missing field(s) {', '.join(missing)}")
    for name, expected in (("categories", list), ("tags", list)):
        value = record.get(name)
        if name in record and not (
            isinstance(value, expected) and all(isinstance(v, str) for v in value)
        ):
            problems.append(f"{name} must be a list of strings")
    for name in ("downloads", "likes"):
        if name in record and (not isinstance(record[name], int) or isinstance(record[name], bool)):
            problems.append(f"{name} must be a whole number")
    if record.get("gated") is not None and not isinstance(record["gated"], bool):
        problems.append("gated must be true or false")
    if record.get("paper") is not None and not isinstance(record["paper"], str):
        problems.append("paper must be text")
    if "trending" in record and not isinstance(record["trending"], int | float):
        problems.append("trending must be a number")
    for name in ("id", "kind", "author", "summary", "license", "created", "updated", "card"):
        if name in record and not isinstance(record[name], str):
            problems.append(f"{name} must be text")
    return problems


def _validate(table: pa.Table, lines: np.ndarray) -> list[tuple[int, str]]:
    """Column-wise checks; each failing row is reported with its line."""
    problems: list[tuple[int, str]] = []

    def flag(
        mask: pa.ChunkedArray | pa.Array | np.ndarray, message: str, shown: str | None = None
    ) -> None:
        values = np.asarray(
            mask.to_numpy(zero_copy_only=False) if hasattr(mask, "to_numpy") else mask
        )
        for row in np.flatnonzero(values.astype(bool))[:_MAX_ERRORS]:
            value = f" {table[shown][int(row)].as_py()!r}" if shown else ""
            problems.append((int(lines[row]), message.format(value=value)))

    for name in REQUIRED_FIELDS:
        flag(pc.is_null(table[name]), f"missing field {name}")
    ids = pc.fill_null(table["id"], "")
    flag(
        pc.invert(pc.match_substring_regex(ids, _ID_PATTERN)),
        "bad id{value}: want namespace/name",
        "id",
    )
    namespace = pc.list_element(pc.split_pattern(ids, "/", max_splits=1), 0)
    flag(
        pc.not_equal(table["author"], namespace),
        "author{value} must be the id's namespace",
        "author",
    )
    known_kinds = pa.array([k.value for k in Kind])
    flag(pc.invert(pc.is_in(table["kind"], value_set=known_kinds)), "unknown kind{value}", "kind")
    categories = table["categories"]
    unknown = pc.invert(pc.is_in(pc.list_flatten(categories), value_set=pa.array(CATEGORY_SLUGS)))
    bad_rows = np.zeros(table.num_rows, dtype=bool)
    bad_rows[
        pc.list_parent_indices(categories).to_numpy()[unknown.to_numpy(zero_copy_only=False)]
    ] = True
    flag(bad_rows, "unknown category in{value}", "categories")
    for name in ("downloads", "likes", "trending"):
        flag(pc.less(table[name], 0), f"{name} must be a number >= 0")
    for name in ("created", "updated"):
        dates = pc.fill_null(table[name], "")
        shaped = pc.match_substring_regex(dates, _DATE_PATTERN)
        real = pc.is_valid(pc.strptime(dates, format="%Y-%m-%d", unit="s", error_is_null=True))
        flag(pc.invert(pc.and_(shaped, real)), f"{name} must be YYYY-MM-DD, not{{value}}", name)
    id_series = pd.Series(ids.to_numpy(zero_copy_only=False))
    duplicated = id_series.duplicated(keep="first").to_numpy()
    dup_rows = np.flatnonzero(duplicated)[:_MAX_ERRORS]
    wanted = set(id_series.iloc[dup_rows])
    first_line = {}
    for row in np.flatnonzero(id_series.isin(wanted).to_numpy() & ~duplicated):
        first_line[id_series.iat[row]] = int(lines[row])
    for row in dup_rows:
        dup = id_series.iat[row]
        problems.append(
            (int(lines[row]), f"duplicate id {dup!r} (first on line {first_line[dup]})")
        )
    problems.sort()
    return problems


def _list_bits(categories: pa.ChunkedArray) -> np.ndarray:
    """Per row, the OR of its categories' bits, computed on the flattened lists."""
    flat = pc.list_flatten(categories)
    codes = pc.index_in(flat, value_set=pa.array(CATEGORY_SLUGS)).to_numpy(zero_copy_only=False)
    bits = np.left_shift(1, np.nan_to_num(codes, nan=0).astype(np.uint8)).astype(np.uint8)
    result = np.zeros(len(categories), dtype=np.uint8)
    np.bitwise_or.at(result, pc.list_parent_indices(categories).to_numpy(), bits)
    return result
