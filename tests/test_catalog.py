"""The demo catalog, catalog validation and the synthetic catalog generator."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from huggingface_hub import DatasetCard, ModelCard, SpaceCard

from safeguards import synthetic
from safeguards.catalog import DEMO_CATALOG, CatalogError, is_rail_license, load_catalog
from safeguards.categories import CATEGORY_SLUGS, NFAA_TAG
from safeguards.permissions import User
from safeguards.search import SearchQuery, Sort, search
from safeguards.state import State

CARD_CLASS = {"model": ModelCard, "dataset": DatasetCard, "space": SpaceCard}
RAIL_LICENSES = {
    "bigscience-bloom-rail-1.0",
    "bigscience-openrail-m",
    "bigcode-openrail-m",
    "creativeml-openrail-m",
    "openrail",
    "openrail++",
}
NON_RAIL_LICENSES = {
    "apache-2.0",
    "mit",
    "other",
    "cc-by-4.0",
    "cc-by-nc-4.0",
    "cc-by-sa-3.0",
    "cc-by-sa-4.0",
    "cc0-1.0",
    "odc-by",
    "bsd-3-clause",
    "llama2",
    "gemma",
}


def demo_rows() -> list[dict[str, Any]]:
    lines = DEMO_CATALOG.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


# -- the demo catalog -------------------------------------------------------------------


def test_demo_catalog_loads_with_breadth() -> None:
    catalog = load_catalog()
    rows = demo_rows()
    assert len(catalog) == len(rows) >= 60
    assert list(catalog.frame["id"]) == [r["id"] for r in rows]
    assert set(catalog.frame["kind"]) == {"model", "dataset", "space"}
    per_category = Counter(c for r in rows for c in r["categories"])
    assert set(per_category) == set(CATEGORY_SLUGS)
    assert all(n >= 8 for n in per_category.values()), per_category
    for named in (
        "bigscience/bloom",
        "bigcode/starcoder",
        "tomg-group-umd/lm-watermarking",
        "huggingface/Model_Cards_Writing_Tool",
        "RamAnanth1/photoguard",
    ):
        assert named in catalog
        assert catalog.get(named) is not None
    assert catalog.get("tomg-group-umd/lm-watermarking").kind == "space"
    assert catalog.get("bigscience/bloom").kind == "model"


def test_demo_artifact_records_match_the_file() -> None:
    catalog = load_catalog()
    for row in demo_rows():
        artifact = catalog.get(row["id"])
        assert artifact is not None
        assert artifact.author == row["author"] == row["id"].split("/")[0]
        assert list(artifact.tags) == row["tags"]
        assert list(artifact.categories) == row["categories"]
        assert artifact.license == row["license"]
        assert artifact.downloads == row["downloads"]
        assert artifact.gated == bool(row.get("gated", False))
        assert artifact.card == row["card"]


def test_every_demo_card_parses_and_agrees_with_its_row() -> None:
    for row in demo_rows():
        card = CARD_CLASS[row["kind"]](row["card"])
        assert card.data.tags == row["tags"], row["id"]
        assert card.data.license == row["license"], row["id"]
        assert card.text.strip(), f"{row['id']}: the card has no markdown body"
        # Every category the row claims is also an ethics tag on the card.
        for slug in row["categories"]:
            assert f"ethics-{slug}" in row["tags"], row["id"]


def test_rail_licenses_recognised() -> None:
    licenses = {r["license"] for r in demo_rows()}
    assert licenses <= RAIL_LICENSES | NON_RAIL_LICENSES, licenses - RAIL_LICENSES
    assert licenses & RAIL_LICENSES, "the demo should show RAIL licenses"
    for lic in RAIL_LICENSES:
        assert is_rail_license(lic), lic
        assert is_rail_license(lic.upper()), lic
    for lic in NON_RAIL_LICENSES:
        assert not is_rail_license(lic), lic
    catalog = load_catalog()
    assert list(catalog.rail) == [r["license"] in RAIL_LICENSES for r in demo_rows()]


def test_content_warning_and_gated_examples_are_fictional() -> None:
    rows = demo_rows()
    mature = [r for r in rows if NFAA_TAG in r["tags"]]
    assert len(mature) >= 2
    assert all(r["id"].startswith("demo-") for r in mature), [r["id"] for r in mature]
    assert any(r.get("gated") and r["id"].startswith("demo-studio/") for r in rows)
    assert any(
        r["id"].startswith("demo-studio/") and NFAA_TAG not in r["tags"] and not r.get("gated")
        for r in rows
    )


# -- bad input --------------------------------------------------------------------------


def write_catalog(path: Path, rows: list[Any], blank_after_first: bool = True) -> Path:
    """Rows as JSON Lines (strings are written as they are); a blank line after line 1."""
    lines = [r if isinstance(r, str) else json.dumps(r) for r in rows]
    if blank_after_first:
        lines.insert(1, "")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def three_rows() -> list[dict[str, Any]]:
    return [dict(r) for r in demo_rows()[:3]]


def test_small_valid_catalog_loads(tmp_path: Path) -> None:
    path = write_catalog(tmp_path / "ok.jsonl", three_rows())
    assert len(load_catalog(path)) == 3


def _mutate(field: str, value: Any) -> Any:
    def change(row: dict[str, Any]) -> dict[str, Any]:
        row[field] = value
        return row

    return change


BAD_ROWS = {
    "malformed-json": (lambda row: json.dumps(row)[:-5], "malformed JSON"),
    "not-an-object": (lambda row: "[1, 2, 3]", "not a JSON object"),
    "missing-field": (
        lambda row: {k: v for k, v in row.items() if k != "license"},
        "missing field license",
    ),
    "unknown-category": (_mutate("categories", ["rigorous", "fabulous"]), "unknown category"),
    "bad-kind": (_mutate("kind", "notebook"), "unknown kind 'notebook'"),
    "negative-downloads": (_mutate("downloads", -5), "downloads must be a number >= 0"),
    "text-likes": (_mutate("likes", "many"), "likes must be a whole number"),
    "bad-date": (_mutate("created", "19/05/2022"), "created must be YYYY-MM-DD"),
    "bad-id": (_mutate("id", "no-namespace"), "bad id 'no-namespace'"),
    "tags-not-list": (_mutate("tags", "rail"), "tags must be a list of strings"),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_bad_row_is_named_with_file_line_and_problem(tmp_path: Path, case: str) -> None:
    change, problem = BAD_ROWS[case]
    rows: list[Any] = three_rows()
    rows[2] = change(rows[2])
    path = write_catalog(tmp_path / f"{case}.jsonl", rows)
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    message = str(caught.value)
    # Line 4: the blank line after line 1 still counts.
    assert f"{path}:line 4: " in message, message
    assert problem in message, message
    assert "line 1:" not in message and "line 3:" not in message


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    rows = three_rows()
    rows.append(dict(rows[0]))
    path = write_catalog(tmp_path / "dup.jsonl", rows)
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    message = str(caught.value)
    assert f"{path}:line 5: duplicate id {rows[0]['id']!r} (first on line 1)" in message


def test_every_problem_is_reported(tmp_path: Path) -> None:
    rows = three_rows()
    rows[0]["kind"] = "notebook"
    rows[2]["downloads"] = -1
    path = write_catalog(tmp_path / "many.jsonl", rows, blank_after_first=False)
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert caught.value.problems == [
        f"{path}:line 1: unknown kind 'notebook'",
        f"{path}:line 3: downloads must be a number >= 0",
    ]


def test_missing_catalog_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.jsonl"
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert str(path) in str(caught.value)


def test_author_must_be_the_namespace(tmp_path: Path) -> None:
    rows = three_rows()
    rows[1]["author"] = "someone-else"
    path = write_catalog(tmp_path / "author.jsonl", rows)
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert f"{path}:line 3: author 'someone-else' must be the id's namespace" in str(caught.value)


def test_impossible_calendar_date_is_rejected(tmp_path: Path) -> None:
    rows = three_rows()
    rows[2]["updated"] = "2024-13-45"
    path = write_catalog(tmp_path / "date.jsonl", rows)
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert f"{path}:line 4: updated must be YYYY-MM-DD" in str(caught.value)


def test_parquet_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "cols.parquet"
    synthetic.generate(10).drop(columns=["license"]).to_parquet(path, index=False)
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert f"{path}: missing column 'license'" in str(caught.value)


def test_parquet_bad_row_is_named_by_row(tmp_path: Path) -> None:
    frame = synthetic.generate(10)
    frame.loc[6, "kind"] = "notebook"
    path = tmp_path / "bad.parquet"
    frame.to_parquet(path, index=False)
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert f"{path}:row 7: unknown kind 'notebook'" in str(caught.value)


# -- parquet and synthetic catalogs -----------------------------------------------------


def test_parquet_and_jsonl_load_the_same(tmp_path: Path) -> None:
    frame = synthetic.generate(500, seed=3)
    synthetic.write(frame, tmp_path / "c.parquet")
    synthetic.write(frame, tmp_path / "c.jsonl")
    from_parquet = load_catalog(tmp_path / "c.parquet")
    from_jsonl = load_catalog(tmp_path / "c.jsonl")
    assert len(from_parquet) == len(from_jsonl) == 500
    assert list(from_parquet.frame["id"]) == list(from_jsonl.frame["id"]) == list(frame["id"])
    artifacts_p = [from_parquet.artifact_at(i) for i in range(500)]
    artifacts_j = [from_jsonl.artifact_at(i) for i in range(500)]
    assert artifacts_p == artifacts_j
    assert list(from_parquet.rail) == list(from_jsonl.rail)
    assert list(from_parquet.category_bits) == list(from_jsonl.category_bits)
    assert list(from_parquet.haystack) == list(from_jsonl.haystack)
    # The generator's own values come through unchanged.
    first = artifacts_p[0]
    assert list(first.tags) == list(frame["tags"].iat[0])
    assert first.downloads == int(frame["downloads"].iat[0])
    assert first.trending == float(frame["trending"].iat[0])
    assert first.created == frame["created"].iat[0]
    # Searching either gives the same answers (list columns are arrays in parquet).
    state, user = State(), User("someone")
    for query in (
        SearchQuery(tag="ethics-consentful", sort=Sort.DOWNLOADS, page_size=100),
        SearchQuery(text="carbon", kinds=("model",), license="rail", sort=Sort.RECENT),
        SearchQuery(categories=("inclusive", "sustainable"), page=3),
    ):
        a = search(from_parquet, state, user, query)
        b = search(from_jsonl, state, user, query)
        assert a.total == b.total > 0
        assert a.rows == b.rows


def test_synthetic_catalog_is_valid_and_reproducible(tmp_path: Path) -> None:
    frame = synthetic.generate(2000, seed=11)
    again = synthetic.generate(2000, seed=11)
    pd.testing.assert_frame_equal(frame, again)
    other = synthetic.generate(2000, seed=12)
    assert list(other["id"]) != list(frame["id"])
    assert frame["id"].is_unique
    path = tmp_path / "synthetic.jsonl"
    synthetic.write(frame, path)
    catalog = load_catalog(path)
    assert len(catalog) == 2000
    assert set(catalog.frame["kind"]) == {"model", "dataset", "space"}
    for i in range(0, 2000, 97):
        artifact = catalog.artifact_at(i)
        card = CARD_CLASS[artifact.kind](artifact.card)
        assert card.data.tags == list(artifact.tags)
        assert card.data.license == artifact.license
        assert all(f"ethics-{c}" in artifact.tags for c in artifact.categories)


def test_get_many_equals_get_one_by_one() -> None:
    """The moderation queue's batch read gives the very records `get` gives."""
    catalog = load_catalog(DEMO_CATALOG)
    ids = [catalog.artifact_at(row).id for row in range(0, len(catalog.table), 3)]
    found = catalog.get_many([*ids, "no/such-artifact", ids[0]])
    assert list(found) == ids
    assert all(found[i] == catalog.get(i) for i in ids)
    assert catalog.get_many([]) == {}
