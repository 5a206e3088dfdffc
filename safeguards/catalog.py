"""Loading and validating the artifact catalog (JSON Lines or Parquet), and its indexes.

The catalog is read-only reference data: moderation and tag merges live in the event log
and are laid over it by the folded state. It is read and checked with Arrow's C++ code
(columns, not rows), and kept as one Arrow table; `Artifact` records are made only for the
rows a page shows, and `frame` (pandas, Arrow-backed) only when someone asks for it.

Search needs more than the table, all derived from it once (`CatalogIndex`):

* a text index: the lowercased `id summary tags` haystack split into tokens at the ASCII
  `SEPARATORS`, each distinct token with the sorted rows it occurs in (CSR postings), and
  per token a bitmask of the bytes it holds, so a term is looked up in the few tokens that
  can contain it;
* the kind and license of each row as small integer codes, the category bits, RAIL rows,
  tag postings (exact tags), the three sort orders, and a sorted id key for lookups.

A large catalog's table and index are kept in one uncompressed Arrow IPC file in a cache
folder (the app uses `<state dir>/.cache`), memory-mapped at the next start-up. The cache
is named after the SHA-256 of the source file and of itself, and both are checked before
it is used: a changed catalog or a damaged cache file is rebuilt, never trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import threading
from collections.abc import Iterable, Sequence
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

log = logging.getLogger(__name__)

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

# Tokens of the text index are the maximal runs of characters other than these (ASCII, so
# they never occur inside a multi-byte UTF-8 character). A query term never contains " "
# (the query is split on whitespace), so a term without any of them can only occur inside
# one token; a term with some is narrowed by its pieces and then checked on the haystack.
SEPARATORS = " /-_.,;:()"
SORT_COLUMNS: tuple[str, ...] = ("trending", "downloads", "updated")
ID_KEY_BYTES = 16
CACHE_FORMAT = "1"
CATALOG_CACHE_DIR = ".cache"  # the app keeps the catalog cache in <state dir>/.cache
CACHE_MIN_ROWS = 20_000  # smaller catalogs load from their file in well under a second
_CACHE_GLOB = "catalog-*.arrow"


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


# -- the derived index --------------------------------------------------------------------

# A 64-bit mask per byte value: a token can contain a term only if it holds every byte of
# the term, so `token_mask & term_mask == term_mask` prunes the vocabulary before the
# substring scan. Letters and digits get a bit each; other bytes share the rest.
_BYTE_BITS = np.zeros(256, dtype=np.uint64)
for _b in range(256):
    _c = chr(_b)
    if "a" <= _c <= "z":
        _bit = ord(_c) - ord("a")
    elif "0" <= _c <= "9":
        _bit = 26 + ord(_c) - ord("0")
    elif "A" <= _c <= "Z":
        _bit = 36 + (ord(_c) - ord("A")) % 8
    else:
        _bit = 44 + _b % 20
    _BYTE_BITS[_b] = np.uint64(1) << np.uint64(_bit)
del _b, _c, _bit

# (name, Arrow type of the values, per row?) of every array the index keeps.
_INDEX_ARRAYS: tuple[tuple[str, pa.DataType, bool], ...] = (
    ("haystack", pa.string(), True),
    ("category_bits", pa.uint8(), True),
    ("rail", pa.bool_(), True),
    ("kind_codes", pa.int16(), True),
    ("kind_values", pa.string(), False),
    ("license_codes", pa.int32(), True),
    ("license_values", pa.string(), False),
    ("separator_bits", pa.uint16(), True),
    ("vocab", pa.string(), False),
    ("vocab_mask", pa.uint64(), False),
    ("post_offsets", pa.int64(), False),
    ("post_rows", pa.int32(), False),
    ("tag_values", pa.string(), False),
    ("tag_offsets", pa.int64(), False),
    ("tag_rows", pa.int32(), False),
    ("id_order", pa.int32(), True),
    ("id_keys", pa.binary(ID_KEY_BYTES), True),
    ("order_trending", pa.int32(), True),
    ("order_downloads", pa.int32(), True),
    ("order_updated", pa.int32(), True),
)


def _np(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_fixed_size_binary(array.type):
        width = array.type.byte_width
        data = array.buffers()[1]
        return np.frombuffer(data, dtype=f"S{width}", count=len(array), offset=array.offset * width)
    return array.to_numpy(zero_copy_only=False)


@dataclass(eq=False)
class CatalogIndex:
    """Everything search derives from the table; arrays are numpy or Arrow (strings)."""

    haystack: pa.StringArray
    category_bits: np.ndarray  # uint8 per row
    rail: np.ndarray  # bool per row
    kind_codes: np.ndarray  # int16 per row, into kind_values
    kind_values: list[str]
    license_codes: np.ndarray  # int32 per row, into license_values
    license_values: list[str]
    separator_bits: np.ndarray  # uint16 per row: bit i = the haystack holds SEPARATORS[i]
    vocab: pa.StringArray  # distinct tokens
    vocab_mask: np.ndarray  # uint64 per token: the bytes it holds (see _BYTE_BITS)
    post_offsets: np.ndarray  # int64, len(vocab) + 1
    post_rows: np.ndarray  # int32: rows of token t are post_rows[off[t]:off[t + 1]]
    tag_values: list[str]
    tag_offsets: np.ndarray
    tag_rows: np.ndarray
    id_order: np.ndarray  # int32: rows by id ascending
    id_keys: np.ndarray  # S16: the first 16 bytes of each id in id order, space padded
    orders: dict[str, np.ndarray] = field(default_factory=dict)  # rows by column desc, id

    @classmethod
    def build(cls, table: pa.Table) -> CatalogIndex:
        rows = table.num_rows
        ids = table["id"].combine_chunks()
        tags = table["tags"].combine_chunks()
        tags_text = pc.binary_join(tags, " ")
        haystack = pc.utf8_lower(
            pc.binary_join_element_wise(ids, table["summary"].combine_chunks(), tags_text, " ")
        )
        if isinstance(haystack, pa.ChunkedArray):
            haystack = haystack.combine_chunks()
        kind = pc.dictionary_encode(table["kind"].combine_chunks())
        lic = pc.dictionary_encode(table["license"].combine_chunks())
        separator_bits = _separator_bits(haystack)
        vocab, post_offsets, post_rows = _token_postings(haystack)
        tag_flat = pc.list_flatten(tags)
        tag_parents = _np(pc.list_parent_indices(tags)).astype(np.int32)
        tag_codes = pc.dictionary_encode(tag_flat) if len(tag_flat) else None
        if tag_codes is None:
            tag_values, tag_offsets, tag_rows = [], np.zeros(1, np.int64), np.zeros(0, np.int32)
        else:
            tag_values = tag_codes.dictionary.to_pylist()
            tag_offsets, tag_rows = _csr(
                _np(tag_codes.indices).astype(np.int32), tag_parents, len(tag_values)
            )
        id_order = _np(pc.sort_indices(ids)).astype(np.int32)
        id_rank = np.empty(rows, dtype=np.int64)
        id_rank[id_order] = np.arange(rows)
        orders = {name: _sort_order(table[name], id_rank) for name in SORT_COLUMNS}
        return cls(
            haystack=haystack,
            category_bits=_list_bits(table["categories"]),
            rail=_np(pc.match_substring(pc.utf8_lower(table["license"]), "rail")).astype(bool),
            kind_codes=_np(kind.indices).astype(np.int16),
            kind_values=kind.dictionary.to_pylist(),
            license_codes=_np(lic.indices).astype(np.int32),
            license_values=lic.dictionary.to_pylist(),
            separator_bits=separator_bits,
            vocab=vocab,
            vocab_mask=_byte_masks(vocab),
            post_offsets=post_offsets,
            post_rows=post_rows,
            tag_values=tag_values,
            tag_offsets=tag_offsets,
            tag_rows=tag_rows,
            id_order=id_order,
            id_keys=_id_keys(ids.take(pa.array(id_order))),
            orders=orders,
        )

    def arrays(self) -> dict[str, pa.Array]:
        """Every array as Arrow, by the names of _INDEX_ARRAYS (for the cache file)."""
        out: dict[str, pa.Array] = {}
        for name, arrow_type, _ in _INDEX_ARRAYS:
            if name.startswith("order_"):
                value: Any = self.orders[name.removeprefix("order_")]
            else:
                value = getattr(self, name)
            if isinstance(value, np.ndarray) and value.dtype.kind == "S":
                buffers = [None, pa.py_buffer(np.ascontiguousarray(value).tobytes())]
                value = pa.Array.from_buffers(arrow_type, len(value), buffers)
            elif not isinstance(value, pa.Array):
                value = pa.array(value, arrow_type)
            out[name] = value
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, pa.Array], rows: int) -> CatalogIndex:
        """Back from `arrays()` (zero-copy where Arrow and numpy agree); checks shapes."""
        values: dict[str, Any] = {}
        for name, arrow_type, per_row in _INDEX_ARRAYS:
            array = arrays[name]
            if array.type != arrow_type or array.null_count:
                raise ValueError(f"index array {name}: unexpected type or nulls")
            if per_row and len(array) != rows:
                raise ValueError(f"index array {name}: {len(array)} values for {rows} rows")
            if name in ("haystack", "vocab"):
                values[name] = array
            elif name.endswith("_values"):
                values[name] = array.to_pylist()
            else:
                values[name] = _np(array)
        if len(values["post_offsets"]) != len(values["vocab"]) + 1:
            raise ValueError("index: postings do not match the vocabulary")
        if len(values["vocab_mask"]) != len(values["vocab"]):
            raise ValueError("index: token masks do not match the vocabulary")
        if len(values["tag_offsets"]) != len(values["tag_values"]) + 1:
            raise ValueError("index: tag postings do not match the tags")
        for offsets, rows_name in (("post_offsets", "post_rows"), ("tag_offsets", "tag_rows")):
            ends = values[offsets]
            if ends[0] != 0 or ends[-1] != len(values[rows_name]):
                raise ValueError(f"index: {offsets} out of range")
        orders = {name: values.pop(f"order_{name}") for name in SORT_COLUMNS}
        return cls(**values, orders=orders)


def _csr(
    codes: np.ndarray, rows: np.ndarray, size: int, skip: int = -1
) -> tuple[np.ndarray, np.ndarray]:
    """Postings per code: offsets and the distinct rows of each code, ascending (the
    entries of code `skip` left out). One sort of (code, row) packed in 64 bits."""
    keep = codes != skip
    packed = (codes[keep].astype(np.int64) << 32) | rows[keep].astype(np.int64)
    packed.sort()
    if len(packed):
        distinct = np.empty(len(packed), dtype=bool)
        distinct[0] = True
        np.not_equal(packed[1:], packed[:-1], out=distinct[1:])
        packed = packed[distinct]
    offsets = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(packed >> 32, minlength=size), out=offsets[1:])
    return offsets, (packed & 0xFFFFFFFF).astype(np.int32)


def _token_postings(haystack: pa.StringArray) -> tuple[pa.StringArray, np.ndarray, np.ndarray]:
    spaced = haystack
    for char in SEPARATORS[1:]:
        spaced = pc.replace_substring(spaced, char, " ")
    split = pc.split_pattern(spaced, " ")
    tokens = pc.list_flatten(split)
    if not len(tokens):
        return pa.array([], pa.string()), np.zeros(1, np.int64), np.zeros(0, np.int32)
    parents = _np(pc.list_parent_indices(split)).astype(np.int32)
    encoded = pc.dictionary_encode(tokens)
    vocab = encoded.dictionary
    empty = pc.index(vocab, "").as_py()  # runs of separators leave empty tokens
    offsets, rows = _csr(_np(encoded.indices).astype(np.int32), parents, len(vocab), empty)
    return vocab, offsets, rows


_SEPARATOR_BITS = np.zeros(256, dtype=np.uint16)
for _i, _char in enumerate(SEPARATORS):
    _SEPARATOR_BITS[ord(_char)] = 1 << _i
del _i, _char


def _separator_bits(haystack: pa.StringArray) -> np.ndarray:
    """Per row, bit i set when its haystack holds SEPARATORS[i] (one pass over the bytes,
    in slices of rows)."""
    count = len(haystack)
    bits = np.zeros(count, dtype=np.uint16)
    if not count:
        return bits
    offsets = np.frombuffer(haystack.buffers()[1], dtype=np.int32, count=count + 1,
                            offset=haystack.offset * 4).astype(np.int64)  # fmt: skip
    data = np.frombuffer(haystack.buffers()[2], dtype=np.uint8)
    step = 100_000
    for first in range(0, count, step):
        last = min(first + step, count)
        lengths = offsets[first + 1 : last + 1] - offsets[first:last]
        chunk = _SEPARATOR_BITS[data[offsets[first] : offsets[last]]]
        nonempty = lengths > 0
        if chunk.size:
            starts = (offsets[first:last] - offsets[first])[nonempty]
            bits[first:last][nonempty] = np.bitwise_or.reduceat(chunk, starts)
    return bits


def _byte_masks(strings: pa.StringArray) -> np.ndarray:
    """Per string, the OR of _BYTE_BITS over its UTF-8 bytes."""
    count = len(strings)
    if not count:
        return np.zeros(0, dtype=np.uint64)
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int32, count=count + 1,
                            offset=strings.offset * 4)  # fmt: skip
    data = np.frombuffer(strings.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    starts = (offsets[:-1] - offsets[0]).astype(np.int64)
    masks = np.zeros(count, dtype=np.uint64)
    nonempty = offsets[1:] > offsets[:-1]
    if len(data):
        reduced = np.bitwise_or.reduceat(_BYTE_BITS[data], starts[nonempty])
        masks[nonempty] = reduced
    return masks


def term_mask(text: str) -> np.uint64:
    return np.bitwise_or.reduce(_BYTE_BITS[np.frombuffer(text.encode(), dtype=np.uint8)])


def _id_keys(sorted_ids: pa.StringArray) -> np.ndarray:
    """The first ID_KEY_BYTES of each id, padded with spaces (ids are ASCII and every id
    character sorts after a space, so the keys are in the same order as the ids)."""
    if not len(sorted_ids):
        return np.zeros(0, dtype=f"S{ID_KEY_BYTES}")
    keys = pc.utf8_rpad(
        pc.utf8_slice_codeunits(sorted_ids, 0, ID_KEY_BYTES), width=ID_KEY_BYTES, padding=" "
    )
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks()
    data = np.frombuffer(keys.buffers()[2], dtype=np.uint8)
    offsets = np.frombuffer(keys.buffers()[1], dtype=np.int32, count=1, offset=keys.offset * 4)
    start = int(offsets[0])
    raw = data[start : start + len(keys) * ID_KEY_BYTES]
    return raw.view(f"S{ID_KEY_BYTES}").copy()


def id_key(artifact_id: str) -> bytes:
    return artifact_id.encode()[:ID_KEY_BYTES].ljust(ID_KEY_BYTES, b" ")


def _sort_order(column: pa.ChunkedArray, id_rank: np.ndarray) -> np.ndarray:
    """Rows by `column` descending, ties by id ascending: Arrow's sort of (column desc, id
    asc), done as a numpy lexsort on numbers (text columns sort by the rank of their
    distinct values, which is their order as strings)."""
    column = column.combine_chunks()
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        encoded = pc.dictionary_encode(column)
        ranks = np.empty(len(encoded.dictionary), dtype=np.int64)
        ranks[_np(pc.sort_indices(encoded.dictionary))] = np.arange(len(encoded.dictionary))
        key = -ranks[_np(encoded.indices)]
    else:
        values = _np(column)
        key = -values.astype(np.float64) if values.dtype.kind == "f" else -values
    return np.lexsort((id_rank, key)).astype(np.int32)


# -- the catalog ----------------------------------------------------------------------------


@dataclass(eq=False)
class Catalog:
    """The artifacts, one row each in file order, with the derived index search uses."""

    source: Path
    table: pa.Table = field(repr=False)
    index: CatalogIndex | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.index is None:
            self.index = CatalogIndex.build(self.table)
        self.category_bits = self.index.category_bits
        self.rail = self.index.rail
        self._ids = self.table["id"].combine_chunks()
        self._frame: pd.DataFrame | None = None
        self._haystack: pd.Series | None = None
        self._orders: dict[str, np.ndarray] = dict(self.index.orders)
        self._order_lock = threading.Lock()
        self._ranks: dict[str, np.ndarray] = {}
        self._tag_codes: dict[str, int] | None = None
        self._kind_codes = {k: i for i, k in enumerate(self.index.kind_values)}
        self._license_codes = {v: i for i, v in enumerate(self.index.license_values)}
        self.overlay_cache: Any = None  # search.py keeps its per-state overlay here

    def __len__(self) -> int:
        return self.table.num_rows

    def __contains__(self, artifact_id: object) -> bool:
        return isinstance(artifact_id, str) and self.row_of(artifact_id) is not None

    @property
    def frame(self) -> pd.DataFrame:
        """The table as pandas, made on first use without copying: text and list columns
        stay Arrow arrays (`pd.ArrowDtype`), numbers are numpy views."""
        if self._frame is None:
            columns: dict[str, pd.Series] = {}
            for name in self.table.column_names:
                column = self.table[name]
                if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
                    values: Any = _np(column)
                elif pa.types.is_boolean(column.type):
                    values = _np(column).astype(bool)
                else:
                    values = pd.arrays.ArrowExtensionArray(column)
                columns[name] = pd.Series(values, copy=False)
            self._frame = pd.DataFrame(columns, copy=False)
        return self._frame

    @property
    def haystack(self) -> pd.Series:
        """Lowercased `id summary tags` per row (what text search matches)."""
        if self._haystack is None:
            self._haystack = pd.Series(self.index.haystack.to_pandas(), copy=False)
        return self._haystack

    @property
    def haystack_array(self) -> pa.StringArray:
        return self.index.haystack

    def row_of(self, artifact_id: str) -> int | None:
        """Binary search on the sorted id keys, then an exact comparison."""
        if not isinstance(artifact_id, str) or not artifact_id.isascii():
            return None  # ids are ASCII (checked at load)
        keys = self.index.id_keys
        key = id_key(artifact_id)
        low = int(np.searchsorted(keys, key, side="left"))
        high = int(np.searchsorted(keys, key, side="right"))
        ids, order = self._ids, self.index.id_order
        while low < high:  # ids sharing the key, in id order: bisect them
            middle = (low + high) // 2
            row = int(order[middle])
            found = ids[row].as_py()
            if found == artifact_id:
                return row
            if found < artifact_id:
                low = middle + 1
            else:
                high = middle
        return None

    def rows_of(self, artifact_ids: Sequence[str]) -> np.ndarray:
        """Row of each id (-1 when unknown), for many ids at once."""
        if len(artifact_ids) < 256:
            return np.array([_or_minus_one(self.row_of(a)) for a in artifact_ids], np.int64)
        # One pass over the catalog's ids, probing a hash set of the wanted ones.
        wanted = pa.array([a if isinstance(a, str) else None for a in artifact_ids], pa.string())
        position = _np(pc.fill_null(pc.index_in(self._ids, value_set=wanted), -1))
        rows = np.full(len(artifact_ids), -1, dtype=np.int64)
        found = np.flatnonzero(position >= 0)
        rows[position[found]] = found
        # index_in gives the first position of a repeated id: fill the repeats too.
        if len(set(artifact_ids)) != len(artifact_ids):
            first: dict[str, int] = {}
            for i, artifact_id in enumerate(artifact_ids):
                if artifact_id in first:
                    rows[i] = rows[first[artifact_id]]
                else:
                    first[artifact_id] = i
        return rows

    def order(self, column: str) -> np.ndarray:
        """Row numbers by `column` descending, ties by id: computed once per column, so
        a sorted page is a mask lookup, not a sort of the whole catalog."""
        with self._order_lock:
            if column not in self._orders:
                keys = [(column, "descending"), ("id", "ascending")]
                indices = pc.sort_indices(self.table, sort_keys=keys)
                self._orders[column] = indices.to_numpy()
            return self._orders[column]

    def rank(self, column: str) -> np.ndarray:
        """Position of each row in `order(column)`."""
        order = self.order(column)
        with self._order_lock:
            if column not in self._ranks:
                rank = np.empty(len(order), dtype=np.int32)
                rank[order] = np.arange(len(order), dtype=np.int32)
                self._ranks[column] = rank
            return self._ranks[column]

    def rows_with_tag(self, tag: str) -> np.ndarray:
        """Boolean mask of rows whose catalog tags include `tag`."""
        mask = np.zeros(len(self), dtype=bool)
        code = self.tag_code(tag)
        if code is not None:
            ix = self.index
            mask[ix.tag_rows[ix.tag_offsets[code] : ix.tag_offsets[code + 1]]] = True
        return mask

    def tag_code(self, tag: str) -> int | None:
        if self._tag_codes is None:
            self._tag_codes = {t: i for i, t in enumerate(self.index.tag_values)}
        return self._tag_codes.get(tag)

    def kind_mask(self, kinds: Iterable[str]) -> np.ndarray:
        mask = np.zeros(len(self), dtype=bool)
        for code in {self._kind_codes[k] for k in kinds if k in self._kind_codes}:
            mask |= self.index.kind_codes == code
        return mask

    def license_mask(self, license_id: str) -> np.ndarray:
        code = self._license_codes.get(license_id)
        if code is None:
            return np.zeros(len(self), dtype=bool)
        return self.index.license_codes == code

    def text_mask(self, terms: Sequence[str], within: np.ndarray | None = None) -> np.ndarray:
        """Rows (of `within`, when given) whose haystack contains every term (each a
        lowercased, space-free string): exactly `all(term in haystack)`, from the token
        index. Terms found from tokens alone go first; the rest are then checked on the
        haystacks of the rows still in."""
        mask = np.ones(len(self), dtype=bool) if within is None else within.copy()

        def order(term: str) -> tuple[bool, int]:
            return (any(char in SEPARATORS for char in term), -len(term))

        for term in sorted(set(terms), key=order):
            if not mask.any():
                break
            mask &= self._term_mask(term, mask)
        return mask

    def _term_mask(self, term: str, within: np.ndarray) -> np.ndarray:
        if not any(char in SEPARATORS for char in term):
            return self._token_rows(self._matching_tokens(term, "contains"))
        # Pieces between separators: a middle piece is a whole token, the first one ends
        # a token (when a separator follows), the last one starts a token.
        ix = self.index
        wanted = 0
        for i, char in enumerate(SEPARATORS):
            if char in term:
                wanted |= 1 << i
        mask = within & ((ix.separator_bits & np.uint16(wanted)) == wanted)
        for piece, after_separator, before_separator in _pieces(term):
            if after_separator and before_separator:
                how = "equal"
            elif after_separator:
                how = "prefix"
            elif before_separator:
                how = "suffix"
            else:  # pragma: no cover - a term with a separator has no such piece
                how = "contains"
            mask &= self._token_rows(self._matching_tokens(piece, how))
        rows = np.flatnonzero(mask)
        if len(rows) and len(term) > 1:  # the pieces may sit apart: check the whole term
            found = pc.match_substring(ix.haystack.take(pa.array(rows)), term)
            mask[rows[~_np(found).astype(bool)]] = False
        return mask

    def _matching_tokens(self, text: str, how: str) -> np.ndarray:
        """Token codes whose token contains / equals / starts / ends with `text`."""
        ix = self.index
        need = term_mask(text)
        candidates = np.flatnonzero((ix.vocab_mask & need) == need)
        if not len(candidates):
            return candidates
        subset = ix.vocab if len(candidates) == len(ix.vocab) else None
        if subset is None:
            subset = ix.vocab.take(pa.array(candidates.astype(np.int64)))
        if how == "contains":
            hits = pc.match_substring(subset, text)
        elif how == "equal":
            hits = pc.equal(subset, text)
        elif how == "prefix":
            hits = pc.starts_with(subset, text)
        else:
            hits = pc.ends_with(subset, text)
        return candidates[_np(hits).astype(bool)]

    def _token_rows(self, codes: np.ndarray) -> np.ndarray:
        """Union of the postings of `codes`, as a row mask."""
        ix = self.index
        mask = np.zeros(len(self), dtype=bool)
        if not len(codes):
            return mask
        starts = ix.post_offsets[codes]
        lengths = ix.post_offsets[codes + 1] - starts
        big = lengths > 4096
        for start, length in zip(starts[big], lengths[big], strict=True):
            mask[ix.post_rows[start : start + length]] = True
        starts, lengths = starts[~big], lengths[~big]
        total = int(lengths.sum())
        if total:
            shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
            mask[ix.post_rows[shift + np.arange(total)]] = True
        return mask

    def get(self, artifact_id: str) -> Artifact | None:
        row = self.row_of(artifact_id)
        return None if row is None else self.artifact_at(row)

    def get_many(self, artifact_ids: Iterable[str]) -> dict[str, Artifact]:
        """The artifacts of `artifact_ids` that exist, read from the table in one take
        (the moderation queue reads thousands; one slice each is 20x slower)."""
        rows = [row for i in artifact_ids if (row := self.row_of(i)) is not None]
        if not rows:
            return {}
        found = self.table.take(pa.array(rows, type=pa.int64())).to_pylist()
        return {r["id"]: _artifact(r) for r in found}

    def columns_of(self, artifact_ids: Sequence[str], names: Sequence[str]) -> list[list[Any]]:
        """For the ids of `artifact_ids` that exist: the ids, then the values of each
        column of `names`, as lists in one order. Read column by column: the moderation
        queue needs a few fields of thousands of artifacts, and whole ones (`get_many`,
        cards included) cost about 20x more."""
        rows = self.rows_of(artifact_ids)
        take = pa.array(rows[rows >= 0])
        return [self.table[name].take(take).to_pylist() for name in ("id", *names)]

    def artifact_at(self, row: int) -> Artifact:
        return _artifact(self.table.slice(row, 1).to_pylist()[0])


def _artifact(r: dict[str, Any]) -> Artifact:
    """An Artifact from a row of the table (as `to_pylist` gives it)."""
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


def _or_minus_one(row: int | None) -> int:
    return -1 if row is None else row


def _pieces(term: str) -> list[tuple[str, bool, bool]]:
    """The runs of non-separator characters of `term`, each with whether a separator comes
    right before it and right after it inside the term."""
    pieces: list[tuple[str, bool, bool]] = []
    start = None
    for i, char in enumerate(term + " "):
        if char in SEPARATORS:
            if start is not None:
                pieces.append((term[start:i], start > 0, i < len(term)))
                start = None
        elif start is None:
            start = i
    return pieces


# -- loading ----------------------------------------------------------------------------------


def load_catalog(path: Path | str | None = None, *, cache_dir: Path | str | None = None) -> Catalog:
    """Read and validate a catalog; raise CatalogError naming every bad line.

    With `cache_dir`, a catalog of CACHE_MIN_ROWS rows or more is kept there, validated
    and indexed, as an Arrow file that the next load memory-maps after checking it.
    """
    source = Path(path) if path else DEMO_CATALOG
    if not source.is_file():
        raise CatalogError([f"{source}: catalog file not found"])
    digest = None
    if cache_dir is not None:
        digest = _file_sha256(source)
        cached = _read_cache(Path(cache_dir), source, digest)
        if cached is not None:
            return cached
    table = _read_validated(source)
    catalog = Catalog(source=source, table=table)
    cacheable = cache_dir is not None and digest is not None and len(catalog) >= CACHE_MIN_ROWS
    if cacheable and _write_cache(Path(cache_dir), catalog, digest):
        # Serve from the memory-mapped cache too: only the pages used stay resident.
        cached = _read_cache(Path(cache_dir), source, digest)
        if cached is not None:
            del catalog, table
            pa.default_memory_pool().release_unused()
            return cached
    return catalog


def _read_validated(source: Path) -> pa.Table:
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
    return table.combine_chunks()


def _file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _cache_name(source_digest: str, file_digest: str) -> str:
    return f"catalog-{source_digest[:32]}-{file_digest[:32]}.arrow"


def _read_cache(cache_dir: Path, source: Path, digest: str) -> Catalog | None:
    """The cached catalog of this exact source file, if a cache file checks out."""
    for path in sorted(cache_dir.glob(f"catalog-{digest[:32]}-*.arrow")):
        try:
            if _file_sha256(path)[:32] != path.stem.rsplit("-", 1)[-1]:
                raise ValueError("its content does not match its checksum")
            batch = pa.ipc.open_file(pa.memory_map(str(path))).get_batch(0)
            meta = batch.schema.metadata or {}
            if (
                meta.get(b"format") != CACHE_FORMAT.encode()
                or meta.get(b"source") != digest.encode()
            ):
                raise ValueError("it was written for another format or catalog")
            rows = int(meta[b"rows"])
            columns = {name: batch.column(name).values for name in batch.schema.names}
            table = pa.Table.from_arrays([columns[f"t:{n}"] for n in SCHEMA.names], schema=SCHEMA)
            if table.num_rows != rows:
                raise ValueError("its table has the wrong number of rows")
            table.validate()
            arrays = {n.removeprefix("x:"): a for n, a in columns.items() if n.startswith("x:")}
            index = CatalogIndex.from_arrays(arrays, rows)
            return Catalog(source=source, table=table, index=index)
        except (OSError, KeyError, ValueError, pa.ArrowException) as exc:
            log.warning("%s: catalog cache not used (%s); it will be rebuilt", path, exc)
            with contextlib.suppress(OSError):
                path.unlink()
    return None


def _write_cache(cache_dir: Path, catalog: Catalog, digest: str) -> bool:
    """Write the cache atomically (temp file, fsync, rename); failures only log."""
    assert catalog.index is not None
    columns: dict[str, pa.Array] = {
        f"t:{n}": catalog.table[n].combine_chunks() for n in SCHEMA.names
    }
    columns.update({f"x:{n}": a for n, a in catalog.index.arrays().items()})
    wrapped = {
        name: pa.LargeListArray.from_arrays(pa.array([0, len(a)], pa.int64()), a)
        for name, a in columns.items()
    }
    meta = {"format": CACHE_FORMAT, "source": digest, "rows": str(len(catalog))}
    batch = pa.RecordBatch.from_pydict(wrapped).replace_schema_metadata(meta)
    tmp = cache_dir / f".catalog-{os.getpid()}-{threading.get_ident()}.tmp"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, batch.schema) as writer:
            writer.write_batch(batch)
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        final = cache_dir / _cache_name(digest, _file_sha256(tmp))
        os.replace(tmp, final)
        for old in cache_dir.glob(_CACHE_GLOB):
            if old != final:
                with contextlib.suppress(OSError):
                    old.unlink()
        log.info("catalog cache written: %s", final)
        return True
    except OSError as exc:
        log.warning("%s: cannot write the catalog cache (%s)", cache_dir, exc)
        with contextlib.suppress(OSError):
            tmp.unlink()
        return False


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
    if pc.count_distinct(ids).as_py() == table.num_rows:  # the usual case: no duplicates
        problems.sort()
        return problems
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
