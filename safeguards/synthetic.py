"""Synthetic catalogs of any size, for benchmarks (a million rows in a few seconds).

Rows are random but reproducible (seeded) and pass the same validation as the demo
catalog, with short cards whose metadata agrees with the row.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from safeguards.categories import CATEGORY_SLUGS, NFAA_TAG

_NAMESPACES = [f"org{i:04d}" for i in range(5000)]
_WORDS = [
    "bias",
    "audit",
    "fair",
    "speech",
    "vision",
    "text",
    "code",
    "climate",
    "carbon",
    "health",
    "legal",
    "music",
    "translate",
    "summarise",
    "detect",
    "classify",
    "caption",
    "embed",
    "watermark",
    "privacy",
    "consent",
    "lowresource",
    "multilingual",
    "sign",
    "accessible",
    "open",
    "small",
    "tiny",
    "base",
    "large",
]
_TOPICS = ["text-generation", "image-classification", "speech", "translation", "code", "tabular"]
_LICENSES = [
    "apache-2.0",
    "mit",
    "cc-by-4.0",
    "openrail",
    "bigscience-openrail-m",
    "creativeml-openrail-m",
    "openrail++",
    "other",
]
_KINDS = ["model", "dataset", "space"]


def generate(size: int, seed: int = 0) -> pd.DataFrame:
    """Columns are built with Arrow compute from small vocabularies, so a million rows
    take seconds: strings are never formatted one by one in Python."""
    rng = np.random.default_rng(seed)
    ns = _pick(_NAMESPACES, rng.integers(0, len(_NAMESPACES), size))
    first = _pick(_WORDS, rng.integers(0, len(_WORDS), size))
    second = _pick(_WORDS, rng.integers(0, len(_WORDS), size))
    number = pa.array(np.arange(size)).cast(pa.string())
    ids = pc.binary_join_element_wise(ns, "/", first, "-", second, "-", number, "")
    kinds = _pick(_KINDS, rng.choice(3, size, p=[0.6, 0.25, 0.15]))
    licenses = _pick(_LICENSES, rng.integers(0, len(_LICENSES), size))
    # Every (category pair, topic, mature) combination is built once and taken by code.
    combo = rng.integers(0, len(CATEGORY_SLUGS) ** 2, size) * 2 + (rng.random(size) < 0.3)
    combo = (combo * len(_TOPICS) + rng.integers(0, len(_TOPICS), size)) * 2 + (
        rng.random(size) < 0.01
    )
    table = [_combination(code) for code in range(len(CATEGORY_SLUGS) ** 2 * 2 * len(_TOPICS) * 2)]
    codes = pa.array(combo)
    categories = pa.array([row[0] for row in table]).take(codes)
    tags = pa.array([row[1] for row in table]).take(codes)
    tag_yaml = pa.array([row[2] for row in table]).take(codes)
    summary = pc.binary_join_element_wise(
        "A synthetic ", kinds, " about ", first, " and ", second, ".", ""
    )
    card = pc.binary_join_element_wise(
        "---\nlicense: ", licenses, "\ntags:\n", tag_yaml, "---\n# ", ids,
        "\n\nSynthetic artifact for benchmarks.\n", "",
    )  # fmt: skip
    spaces = pc.equal(kinds, "space").to_numpy(zero_copy_only=False)
    downloads = np.where(spaces, 0, rng.lognormal(5, 3, size).astype(np.int64))
    start = np.datetime64("2019-01-01")
    created = start + rng.integers(0, 2000, size).astype("timedelta64[D]")
    updated = created + rng.integers(0, 400, size).astype("timedelta64[D]")
    columns = {
        "id": ids,
        "kind": kinds,
        "author": ns,
        "summary": summary,
        "categories": categories,
        "tags": tags,
        "license": licenses,
        "downloads": downloads,
        "likes": rng.lognormal(2, 2, size).astype(np.int64),
        "trending": np.round(rng.random(size) * 100, 3),
        "created": pa.array(created).cast(pa.string()),
        "updated": pa.array(updated).cast(pa.string()),
        "gated": rng.random(size) < 0.02,
        "paper": pa.nulls(size, pa.string()),
        "card": card,
    }
    return pa.table(columns).to_pandas()


def _pick(vocabulary: list[str] | np.ndarray, codes: np.ndarray) -> pa.Array:
    """vocabulary[codes] as an Arrow string array, without a Python loop."""
    return pa.DictionaryArray.from_arrays(
        pa.array(codes, pa.int32()), pa.array(list(vocabulary))
    ).cast(pa.string())


def _combination(code: int) -> tuple[list[str], list[str], str]:
    """Categories, tags and the YAML tag list for one combination code."""
    mature, code = code % 2, code // 2
    topic, code = _TOPICS[code % len(_TOPICS)], code // len(_TOPICS)
    both, code = code % 2, code // 2
    first, second = divmod(code, len(CATEGORY_SLUGS))
    slugs = [CATEGORY_SLUGS[first]]
    if both and second != first:
        slugs.append(CATEGORY_SLUGS[second])
    tags = [topic, *(f"ethics-{slug}" for slug in slugs)] + ([NFAA_TAG] if mature else [])
    return slugs, tags, "".join(f"- {t}\n" for t in tags)


def write(frame: pd.DataFrame, path: Path) -> None:
    """Parquet for `.parquet`, JSON Lines otherwise (the two formats the app reads)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
