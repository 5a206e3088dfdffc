"""`python -m safeguards import-hub` against tests/hub_server.py seeded with ~300 repos.

The import runs in a subprocess with HF_ENDPOINT set (huggingface_hub reads it at import),
as a user would run it. The seeded repos cycle through ten tag sets whose expected
categories are written out below, so the documented mapping is checked end to end.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from hub_server import HubServerProcess

from safeguards.cards import parse_card
from safeguards.catalog import load_catalog
from safeguards.gating import Approval, form_from_card
from safeguards.hubimport import categories_for, mapping_markdown, read_partial, summary_of

ROOT = Path(__file__).resolve().parent.parent
OWNER_TOKEN = "hf_org0_token"  # org0 sees its own private repo in the listing

# (tags, expected categories); index 9 also gets cardData with emissions and 12 languages.
TAG_SETS: list[tuple[list[str], list[str]]] = [
    (["bias", "text-classification"], ["rigorous"]),
    (["privacy", "license:mit"], ["consentful"]),
    (["medical", "climate-change"], ["socially-conscious"]),
    (["quantized", "base_model:quantized:org0/model-000"], ["sustainable"]),
    (["task_categories:translation", "multilinguality:multilingual"], ["inclusive"]),
    (["audit-of-power", "region:us"], ["rigorous", "inquisitive"]),
    (["ethics-consentful", "text-generation"], ["consentful"]),
    (["smaller-models", "text-generation", "region:us"], []),
    (["not-for-all-audiences", "image-generation"], []),
    (["dataset:org1/medical-notes", "license:cc-by-4.0", "arxiv:2301.00001"], []),
]
EMISSIONS_AND_LANGUAGES = {
    "co2_eq_emissions": {"emissions": 12.5},
    "language": ["en", "fr", "sw", "yo", "hi", "bn", "ar", "zh", "es", "pt", "ha", "ig"],
}
COUNTS = {"model": 150, "dataset": 90, "space": 60}
NAMES = {"model": "model", "dataset": "data", "space": "space"}


def repo_id(kind: str, i: int) -> str:
    return f"org{i % 5}/{NAMES[kind]}-{i:03d}"


def has_readme(i: int) -> bool:
    return i % 7 != 3


def expected_categories(i: int) -> list[str]:
    found = set(TAG_SETS[i % 10][1])
    if i % 10 == 9:
        found |= {"sustainable", "inclusive"}
    order = ["rigorous", "consentful", "socially-conscious", "sustainable", "inclusive"]
    return [c for c in [*order, "inquisitive"] if c in found]


def seed_repos() -> list[dict[str, Any]]:
    repos: list[dict[str, Any]] = []
    for kind, count in COUNTS.items():
        for i in range(count):
            tags = TAG_SETS[i % 10][0]
            repo: dict[str, Any] = {
                "type": kind,
                "id": repo_id(kind, i),
                "tags": tags,
                "likes": i % 13,
                "trendingScore": float(i),  # the default sort: highest i first
                "createdAt": f"2023-{i % 12 + 1:02d}-{i % 28 + 1:02d}T08:00:00.000Z",
                "lastModified": "2025-01-15T23:59:59.000Z",
            }
            if kind != "space":
                repo["downloads"] = i * 7
                repo["gated"] = "auto" if i % 11 == 0 else False
            else:
                repo["sdk"] = "gradio"
            if i % 10 == 9:
                repo["cardData"] = EMISSIONS_AND_LANGUAGES
            if has_readme(i):
                front = "".join(f"- {t}\n" for t in tags if ":" not in t)
                repo["readme"] = (
                    f"---\ntags:\n{front}---\n\n# {repo['id']}\n\n![badge](x.svg)\n\n"
                    f"The **{NAMES[kind]} number {i}**, seeded for the [import](http://x) test.\n"
                )
            repos.append(repo)
    repos += [
        {"type": "model", "id": "gpt2", "tags": ["text-generation"], "readme": "# gpt2\n"},
        {"type": "model", "id": "org0/secret-model", "private": True, "tags": ["bias"]},
        # the same id as a model: catalog ids are unique across kinds, the model keeps it
        {"type": "dataset", "id": "org0/model-000", "tags": ["privacy"], "readme": "# d\n"},
    ]
    return repos


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubServerProcess]:
    tokens = f"org0:{OWNER_TOKEN}"
    with HubServerProcess(tmp_path_factory.mktemp("hub"), tokens=tokens) as srv:
        srv.seed(seed_repos())
        yield srv


def run_import(
    hub: HubServerProcess, tmp_path: Path, *args: str, token: str | None = None, wait: bool = True
) -> subprocess.CompletedProcess[str] | subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(
        HF_ENDPOINT=hub.endpoint,
        HF_HOME=str(tmp_path / "hf_home"),
        HF_HUB_DISABLE_TELEMETRY="1",
        PYTHONPATH=str(ROOT),
    )
    if token:
        env["HF_TOKEN"] = token
    cmd = [sys.executable, "-m", "safeguards", "import-hub", *args]
    if not wait:
        return subprocess.Popen(
            cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    return subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)


def rows_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def all_ids() -> set[str]:
    return {repo_id(kind, i) for kind, count in COUNTS.items() for i in range(count)}


# -- the mapping, directly -------------------------------------------------------------------


@pytest.mark.parametrize(("tags", "expected"), TAG_SETS)
def test_tag_sets_map_as_documented(tags: list[str], expected: list[str]) -> None:
    assert categories_for(tags) == expected


def test_mapping_rules() -> None:
    assert categories_for(["ethics-rigorous"]) == ["rigorous"]  # not also "ethics" → inquisitive
    assert categories_for(["small"]) == ["sustainable"]
    assert categories_for(["smaller", "smallville"]) == []  # whole words only
    assert categories_for(["low_resource_asr", "Sign-Language"]) == ["inclusive"]
    assert categories_for(["opt-out", "PII"]) == ["consentful"]
    assert categories_for(["language:fr"] * 3) == []
    assert categories_for([], {"co2_eq_emissions": 3}) == ["sustainable"]
    assert categories_for([], {"language": [f"l{i}" for i in range(10)]}) == ["inclusive"]
    assert categories_for(["license:openrail", "region:us", "arxiv:1234.5678"]) == []
    table = mapping_markdown()
    assert table.count("\n") == 7 and "`ethics-inquisitive`" in table


def test_summary_skips_markup() -> None:
    card = "---\nlicense: mit\n---\n# T\n\n<img src=x>\n\n```\ncode\n```\n\n"
    card += "Real *words* here, at last."
    assert summary_of(card, "fallback") == "Real words here, at last."
    assert summary_of(None, "fallback") == "fallback"
    assert summary_of("word " * 100, "f").endswith("…")


# -- end to end against the test Hub ---------------------------------------------------------


def test_full_import_loads_and_maps(hub: HubServerProcess, tmp_path: Path) -> None:
    started = time.monotonic()
    proc = run_import(hub, tmp_path, "--limit", "0", token=OWNER_TOKEN)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "data" / "hub_catalog.jsonl"  # the default, relative to the cwd
    catalog = load_catalog(out)
    assert len(catalog) == sum(COUNTS.values())
    assert set(catalog.frame["id"]) == all_ids()  # no gpt2, no private repo, no duplicate
    assert Counter(catalog.frame["kind"]) == COUNTS
    assert "1 without namespace" in proc.stdout and "1 private" in proc.stdout
    assert "1 ids taken by another kind" in proc.stdout
    assert not list(tmp_path.glob("data/*.partial")) and not list(tmp_path.glob("data/*.json"))
    for kind, count in COUNTS.items():
        for i in range(count):
            art = catalog.get(repo_id(kind, i))
            assert art is not None and art.kind.value == kind and art.author == f"org{i % 5}"
            assert list(art.categories) == expected_categories(i), (art.id, art.tags)
            assert "region:us" not in art.tags
            assert art.created == f"2023-{i % 12 + 1:02d}-{i % 28 + 1:02d}"
            assert art.updated == "2025-01-15"
            assert art.trending == float(i) and art.likes == i % 13
            assert art.downloads == (0 if kind == "space" else i * 7)
            assert art.gated == (kind != "space" and i % 11 == 0)
            form = form_from_card(parse_card(art.card).metadata)
            if art.gated:  # the Hub's approval mode, kept in the card for the access form
                assert form is not None and form.approval is Approval.AUTO, art.card
            else:
                assert form is None
            if has_readme(i):
                assert art.summary == f"The {NAMES[kind]} number {i}, seeded for the import test."
                assert art.card.startswith("---\ntags:")
            else:
                assert "No card was published" in art.card, art.card
                assert f"{hub.endpoint}/" in art.card and "\n# " in art.card
            if i % 10 == 9:
                assert art.license == "cc-by-4.0"
                assert art.paper == "https://arxiv.org/abs/2301.00001"
            elif i % 10 == 1:
                assert art.license == "mit"
            else:
                assert art.license == "unknown" and art.paper is None
    assert catalog.get("org0/model-000").kind.value == "model"  # type: ignore[union-attr]
    assert time.monotonic() - started < 30


def test_limit_sort_kinds_and_parquet(hub: HubServerProcess, tmp_path: Path) -> None:
    out = tmp_path / "top.parquet"
    proc = run_import(hub, tmp_path, "--kinds", "space,model", "--limit", "25", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    catalog = load_catalog(out)
    assert Counter(catalog.frame["kind"]) == {"model": 25, "space": 25}
    top = {repo_id(kind, i) for kind in ("model", "space") for i in range(COUNTS[kind])[-25:]}
    assert set(catalog.frame["id"]) == top  # trending first
    assert list(catalog.frame["kind"][:25]) == ["space"] * 25  # grouped in --kinds order


def test_tag_filter_and_search(hub: HubServerProcess, tmp_path: Path) -> None:
    out = tmp_path / "privacy.jsonl"
    proc = run_import(hub, tmp_path, "--tags", "privacy,license:mit", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    rows = rows_of(out)
    wanted = {repo_id(k, i) for k, n in COUNTS.items() for i in range(n) if i % 10 == 1}
    assert {r["id"] for r in rows} == wanted  # the clashing dataset has no license:mit tag
    assert all(r["categories"] == ["consentful"] for r in rows)
    out = tmp_path / "spaces.jsonl"
    proc = run_import(hub, tmp_path, "--kinds", "space", "--search", "SPACE-00", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert sorted(r["id"] for r in rows_of(out)) == sorted(repo_id("space", i) for i in range(10))
    proc = run_import(hub, tmp_path, "--tags", "no-such-tag", "--out", str(tmp_path / "x.jsonl"))
    assert proc.returncode == 1 and "nothing matched" in proc.stderr
    assert not (tmp_path / "x.jsonl").exists()


def test_resume_after_a_failing_hub(hub: HubServerProcess, tmp_path: Path) -> None:
    """A refused card download stops the run; --resume keeps what was written and finishes."""
    out = tmp_path / "cat.jsonl"
    partial, state = out.with_name("cat.jsonl.partial"), out.with_name("cat.jsonl.progress.json")
    hub.control("403", path="data-040/resolve")
    try:
        first = run_import(hub, tmp_path, "--limit", "0", "--out", str(out))
    finally:
        hub.control("ok")
    assert first.returncode == 1 and "--resume" in first.stderr, first.stderr
    assert "the Hub answered 403" in first.stderr
    assert not out.exists() and partial.exists() and state.exists()
    kept = read_partial(partial)
    assert COUNTS["model"] <= len(kept) < sum(COUNTS.values())
    assert json.loads(state.read_text())["done"] == ["model"]
    args = ("--limit", "0", "--out", str(out), "--resume")
    mismatch = run_import(hub, tmp_path, *args, "--tags", "bias")
    assert mismatch.returncode == 2 and "same options" in mismatch.stderr
    second = run_import(hub, tmp_path, *args)
    assert second.returncode == 0, second.stderr
    assert f"{len(kept)} kept from the interrupted run" in second.stdout
    ids = [r["id"] for r in rows_of(out)]
    assert len(ids) == len(set(ids)) and set(ids) == all_ids()
    load_catalog(out)
    assert not partial.exists() and not state.exists()


def test_resume_after_kill(hub: HubServerProcess, tmp_path: Path) -> None:
    """SIGKILL mid-way plus a torn last line: --resume gives the full set, no duplicates."""
    out = tmp_path / "cat.parquet"
    partial = out.with_name("cat.parquet.partial")
    hub.control("ok", delay=0.004)  # a slow Hub, so the kill lands mid-way
    try:
        args = ("--limit", "0", "--workers", "2", "--out", str(out))
        proc = run_import(hub, tmp_path, *args, wait=False)
        assert isinstance(proc, subprocess.Popen)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            if partial.exists() and partial.read_bytes().count(b"\n") >= 40:
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the import finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    finally:
        hub.control("ok", delay=0)
    written = read_partial(partial)
    assert 40 <= len(written) < sum(COUNTS.values()) and not out.exists()
    with partial.open("ab") as f:  # as if killed in the middle of a line
        f.write(b'{"id": "org9/torn", "kind": "mod')
    proc = run_import(hub, tmp_path, "--limit", "0", "--out", str(out), "--resume")
    assert proc.returncode == 0, proc.stderr
    catalog = load_catalog(out)  # validation refuses duplicate ids
    assert set(catalog.frame["id"]) == all_ids()
    assert not partial.exists()
