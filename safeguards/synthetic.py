"""Synthetic catalogs of any size, for benchmarks (a million rows in a few seconds).

Rows are random but reproducible (seeded) and pass the same validation as the demo
catalog, with short cards whose metadata agrees with the row.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

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
_KINDS = np.array(["model", "dataset", "space"])


def generate(size: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    words = np.array(_WORDS)
    ns = np.array(_NAMESPACES)[rng.integers(0, len(_NAMESPACES), size)]
    first = words[rng.integers(0, len(words), size)]
    second = words[rng.integers(0, len(words), size)]
    names = pd.Series(first).str.cat(
        [pd.Series(second), pd.Series(np.arange(size).astype(str))], sep="-"
    )
    ids = pd.Series(ns).str.cat(names, sep="/")
    kinds = _KINDS[rng.choice(3, size, p=[0.6, 0.25, 0.15])]
    cat_a = rng.integers(0, len(CATEGORY_SLUGS), size)
    cat_b = rng.integers(0, len(CATEGORY_SLUGS), size)
    two = rng.random(size) < 0.3
    topics = np.array(_TOPICS)[rng.integers(0, len(_TOPICS), size)]
    mature = rng.random(size) < 0.01
    categories, tags = [], []
    for a, b, both, topic, nfaa in zip(cat_a, cat_b, two, topics, mature, strict=True):
        cats = [CATEGORY_SLUGS[a]] if not both or a == b else [CATEGORY_SLUGS[a], CATEGORY_SLUGS[b]]
        categories.append(cats)
        row_tags = [topic, *(f"ethics-{c}" for c in cats)]
        if nfaa:
            row_tags.append(NFAA_TAG)
        tags.append(row_tags)
    licenses = np.array(_LICENSES)[rng.integers(0, len(_LICENSES), size)]
    downloads = np.where(kinds == "space", 0, rng.lognormal(5, 3, size).astype(np.int64))
    start = np.datetime64("2019-01-01")
    created = start + rng.integers(0, 2000, size).astype("timedelta64[D]")
    updated = created + rng.integers(0, 400, size).astype("timedelta64[D]")
    frame = pd.DataFrame(
        {
            "id": ids,
            "kind": kinds,
            "author": ns,
            "summary": "A synthetic "
            + pd.Series(kinds)
            + " about "
            + pd.Series(first)
            + " and "
            + pd.Series(second)
            + ".",
            "categories": categories,
            "tags": tags,
            "license": licenses,
            "downloads": downloads,
            "likes": rng.lognormal(2, 2, size).astype(np.int64),
            "trending": np.round(rng.random(size) * 100, 3),
            "created": pd.Series(created.astype(str)),
            "updated": pd.Series(updated.astype(str)),
            "gated": rng.random(size) < 0.02,
            "paper": None,
        }
    )
    frame["card"] = [
        f"---\nlicense: {lic}\ntags:\n"
        + "".join(f"- {t}\n" for t in row_tags)
        + f"---\n# {rid}\n\nSynthetic artifact for benchmarks.\n"
        for lic, row_tags, rid in zip(licenses, tags, ids, strict=True)
    ]
    return frame


def write(frame: pd.DataFrame, path: Path) -> None:
    """Parquet for `.parquet`, JSON Lines otherwise (the two formats the app reads)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
