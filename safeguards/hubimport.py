"""Fill a catalog from the Hugging Face Hub (or a mirror): `python -m safeguards import-hub`.

The demo catalog is hand-written; this builds a real one from the Hub listing
(`HfApi.list_models` / `list_datasets` / `list_spaces`) and each repo's README.md (one
`hf_hub_download` per repo). `HF_ENDPOINT` picks the Hub or a mirror, `HF_TOKEN` the token.

Choices, so that every row passes `load_catalog`:

* ids without a namespace (legacy canonical repos such as `gpt2`) are skipped: our ids are
  `namespace/name` with author = namespace, and inventing a namespace would name a repo
  that does not exist. Private and disabled repos are skipped too (the catalog is public).
* an id already taken by another kind (a model and a dataset may share one on the Hub) is
  skipped: catalog ids are unique across kinds; the first kind in `--kinds` keeps it.
* dates are the UTC days of `createdAt` / `lastModified`; downloads and likes come from the
  listing (Spaces have no downloads: 0); trending is `trendingScore` (0 when absent);
  gated is the listing's `gated` ("auto"/"manual" → true); the license is the card
  metadata's, else a `license:<id>` tag, else "unknown"; the paper is the first `arxiv:` tag.
* tags are the Hub's, minus `region:*` (every repo has one); categories come from the
  tags by the documented mapping below and may be empty (the catalog accepts that).
* a repo without README.md (or a gated one whose card cannot be read) gets a minimal card
  generated from its metadata; cards over 100,000 characters are cut, with a note.

Category mapping (`categories_for`), applied to each tag:

* `ethics-<slug>` names its category directly (and nothing else);
* otherwise the tag's value (after `key:` for keyed tags such as
  `task_categories:translation`; tags keyed `license`, `region`, `arxiv`, `doi`,
  `dataset`, `base_model`, `language` are ignored) is split into words on any
  non-alphanumeric character, and a keyword matches a whole word or run of words
  (`low-resource` matches `low_resource_asr`, `small` does not match `smaller`);
* prefix rules: `audit-of-*` → inquisitive; `base_model:quantized:*` → sustainable;
* card metadata: a `co2_eq_emissions` entry → sustainable; ten or more languages (card
  `language` list or `language:` tags) → inclusive.

Resumable: each artifact is appended to `<out>.partial` (JSON Lines, flushed per line)
as soon as its card is in, and `<out>.progress.json` records the query and the counts.
`--resume` keeps the partial rows (dropping a torn last line), skips their ids and
continues; when the listing is done the partial is validated with `load_catalog`,
written to `--out` (.jsonl or .parquet) and the two side files are removed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import httpx2
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from huggingface_hub import HfApi
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
)
from huggingface_hub.utils import tqdm as hf_tqdm

from safeguards.cards import with_metadata_defaults
from safeguards.catalog import _ID_PATTERN, SCHEMA, CatalogError, load_catalog
from safeguards.categories import CATEGORY_SLUGS, category_of_tag

KINDS: tuple[str, ...] = ("model", "dataset", "space")
SORTS: tuple[str, ...] = ("trending_score", "downloads", "likes", "created_at", "last_modified")
DEFAULT_OUT = Path("data/hub_catalog.jsonl")
DEFAULT_LIMIT = 100
CARD_MAX_CHARS = 100_000
SUMMARY_MAX_CHARS = 200
MANY_LANGUAGES = 10
STATE_VERSION = 1
_ID = re.compile(_ID_PATTERN)  # the catalog's own rule for `namespace/name`

# Only fields each kind's listing accepts in `expand` (the Hub answers 400 otherwise).
EXPAND: dict[str, list[str]] = {
    "model": [
        "author", "cardData", "createdAt", "disabled", "downloads", "gated",
        "lastModified", "likes", "private", "tags", "trendingScore",
    ],
    "dataset": [
        "author", "cardData", "createdAt", "description", "disabled", "downloads", "gated",
        "lastModified", "likes", "private", "tags", "trendingScore",
    ],
    "space": [
        "author", "cardData", "createdAt", "disabled", "lastModified", "likes", "private",
        "sdk", "tags", "trendingScore",
    ],
}  # fmt: skip

KEYWORDS: dict[str, tuple[str, ...]] = {
    "rigorous": (
        "bias", "fairness", "evaluation", "audit", "interpretability", "explainability",
        "robustness", "red-teaming",
    ),
    "consentful": (
        "consent", "privacy", "opt-out", "opt-in", "pii", "anonymization", "anonymized",
        "de-identification",
    ),
    "socially-conscious": (
        "climate", "health", "healthcare", "medical", "clinical", "biomedical",
        "accessibility", "education", "agriculture", "humanitarian",
    ),
    "sustainable": (
        "carbon", "emissions", "co2", "efficient", "efficiency", "distillation", "distilled",
        "quantization", "quantized", "small", "pruning", "green-ai",
    ),
    "inclusive": (
        "multilingual", "low-resource", "translation", "african", "indic", "sign-language",
        "indigenous", "dialect", "dialects", "code-switching",
    ),
    "inquisitive": ("ethics", "society", "societal", "power", "inequality", "social-impact"),
}  # fmt: skip
PREFIX_RULES: tuple[tuple[str, str], ...] = (
    ("audit-of-", "inquisitive"),
    ("base_model:quantized:", "sustainable"),
)
IGNORED_TAG_KEYS = frozenset(
    {"license", "region", "arxiv", "doi", "dataset", "base_model", "language"}
)
CARD_DATA_RULES: dict[str, str] = {"co2_eq_emissions": "sustainable"}
_KEYWORD_WORDS = {slug: tuple(f"-{k}-" for k in words) for slug, words in KEYWORDS.items()}
_NOT_WORD = re.compile(r"[^a-z0-9]+")


class ImportAborted(Exception):
    """The Hub stopped answering; what was written so far is kept for `--resume`."""


class ResumeMismatch(ValueError):
    """`--resume` with other kinds, tags, search or sort than the interrupted run."""


# -- mapping ---------------------------------------------------------------------------------


def categories_for(tags: Iterable[str], card_data: dict[str, Any] | None = None) -> list[str]:
    """Our categories for a Hub artifact, in CATEGORY_SLUGS order (see the module docs)."""
    found: set[str] = set()
    tags = list(tags)
    for tag in tags:
        explicit = category_of_tag(tag)
        if explicit:
            found.add(explicit)
            continue
        lowered = tag.lower()
        found.update(slug for prefix, slug in PREFIX_RULES if lowered.startswith(prefix))
        key, sep, value = lowered.partition(":")
        if sep and key in IGNORED_TAG_KEYS:
            continue
        words = f"-{_NOT_WORD.sub('-', value if sep else lowered).strip('-')}-"
        found.update(
            slug for slug, needles in _KEYWORD_WORDS.items() if any(n in words for n in needles)
        )
    card_data = card_data or {}
    found.update(slug for key, slug in CARD_DATA_RULES.items() if card_data.get(key))
    if _language_count(tags, card_data) >= MANY_LANGUAGES:
        found.add("inclusive")
    return [slug for slug in CATEGORY_SLUGS if slug in found]


def mapping_markdown() -> str:
    """The mapping as a markdown table (for the README), built from the rules above."""
    lines = ["| category | tag words (whole words, any `key:` prefix dropped) | also |"]
    lines.append("|---|---|---|")
    extra: dict[str, list[str]] = {slug: [f"`ethics-{slug}`"] for slug in CATEGORY_SLUGS}
    for prefix, slug in PREFIX_RULES:
        extra[slug].append(f"`{prefix}*`")
    for key, slug in CARD_DATA_RULES.items():
        extra[slug].append(f"card `{key}`")
    extra["inclusive"].append(f"{MANY_LANGUAGES}+ languages")
    for slug in CATEGORY_SLUGS:
        words = ", ".join(KEYWORDS[slug])
        lines.append(f"| {slug} | {words} | {', '.join(extra[slug])} |")
    return "\n".join(lines)


def _language_count(tags: list[str], card_data: dict[str, Any]) -> int:
    languages = card_data.get("language")
    listed = len(languages) if isinstance(languages, list) else 0
    return max(listed, sum(t.startswith("language:") for t in tags))


# -- one listing entry -> one catalog row ----------------------------------------------------


def namespace_of(repo_id: str) -> str | None:
    """The namespace of a valid `namespace/name` id, else None (the artifact is skipped)."""
    return repo_id.split("/", 1)[0] if _ID.match(repo_id) else None


def license_of(card_data: dict[str, Any], tags: Iterable[str]) -> str:
    value = card_data.get("license")
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str) and value.strip():
        return value.strip()
    for tag in tags:
        if tag.startswith("license:") and len(tag) > len("license:"):
            return tag.removeprefix("license:")
    return "unknown"


def paper_of(tags: Iterable[str]) -> str | None:
    for tag in tags:
        if tag.startswith("arxiv:") and len(tag) > len("arxiv:"):
            return f"https://arxiv.org/abs/{tag.removeprefix('arxiv:')}"
    return None


def day(value: datetime | None, fallback: datetime | None = None) -> str:
    """YYYY-MM-DD in UTC; today when the listing has no date at all."""
    moment = value or fallback or datetime.now(UTC)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date().isoformat()


_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_HTML = re.compile(r"<[^>]+>")
_MARKS = re.compile(r"[*_`~]+")
_SPACE = re.compile(r"\s+")


def summary_of(card: str | None, fallback: str) -> str:
    """The card's first prose paragraph, flattened and cut to ~200 characters."""
    if card:
        body = _FRONT_MATTER.sub("", card, count=1)
        in_code = False
        for block in re.split(r"\n\s*\n", body):
            stripped = block.strip()
            if stripped.count("```") % 2:
                in_code = not in_code
                continue
            if in_code or not stripped or stripped[0] in "#<|!>-*[=`":
                continue
            text = _LINK.sub(r"\1", _IMAGE.sub("", stripped))
            text = _SPACE.sub(" ", _MARKS.sub("", _HTML.sub("", text))).strip()
            if len(text) >= 20:
                return _cut(text, SUMMARY_MAX_CHARS)
    return _cut(fallback.strip(), SUMMARY_MAX_CHARS)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"


def hub_url(endpoint: str, kind: str, repo_id: str) -> str:
    prefix = {"model": "", "dataset": "datasets/", "space": "spaces/"}[kind]
    return f"{endpoint.rstrip('/')}/{prefix}{repo_id}"


def minimal_card(kind: str, repo_id: str, license_id: str, tags: list[str], **facts: str) -> str:
    """Front matter + a short note, for repos that publish no README.md."""
    meta: dict[str, Any] = {"license": license_id}
    card_tags = [t for t in tags if ":" not in t]
    if card_tags:
        meta["tags"] = card_tags
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    lines = [f"---\n{front}---\n", f"# {repo_id.split('/', 1)[1]}\n"]
    lines.append(
        f"*No card was published for this {kind} when it was imported: this page was "
        "generated from the Hub listing's metadata.*\n"
    )
    lines += [f"- {name.replace('_', ' ').capitalize()}: {value}" for name, value in facts.items()]
    return "\n".join(lines) + "\n"


def _card_data(info: Any) -> dict[str, Any]:
    data = getattr(info, "card_data", None)
    if data is None:
        return {}
    if isinstance(data, dict):
        return data
    try:
        return cast(dict[str, Any], data.to_dict())
    except Exception:  # odd metadata must not stop an import
        return {}


def _front_matter(card: str) -> dict[str, Any]:
    """The card's own metadata: the fallback when the listing carries no cardData."""
    match = _FRONT_MATTER.match(card)
    if not match:
        return {}
    try:
        loaded = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


GATING_KEYS = ("extra_gated_prompt", "extra_gated_fields", "extra_gated_button_content")


def _with_gating(card: str, gated: object, card_data: dict[str, Any]) -> str:
    """The Hub keeps a repo's approval mode (`gated`: "auto" or "manual") in its settings,
    not in README.md: write it into the imported card's metadata, with the listing's
    access-form keys when the card lacks them (a generated card), so the app asks the
    same form and approves the same way (safeguards.gating reads them)."""
    if gated not in ("auto", "manual"):
        return card
    values: dict[str, Any] = {"gated": gated}
    values.update({k: card_data[k] for k in GATING_KEYS if k in card_data})
    return with_metadata_defaults(card, values)


def to_row(kind: str, info: Any, card: str | None, endpoint: str) -> dict[str, Any]:
    """A catalog row (catalog.SCHEMA's fields) from a listing entry and its README text."""
    repo_id: str = info.id
    author = repo_id.split("/", 1)[0]
    tags = list(dict.fromkeys(t for t in (info.tags or []) if not t.startswith("region:")))
    card_data = _card_data(info) or (_front_matter(card) if card else {})
    license_id = license_of(card_data, tags)
    created = day(info.created_at, info.last_modified)
    updated = day(info.last_modified, info.created_at)
    label = {"model": "model", "dataset": "dataset", "space": "Space"}[kind]
    description = getattr(info, "description", None) or ""
    fallback = description or f"A {label} by {author} on the Hugging Face Hub."
    if card is None:
        card = minimal_card(
            label,
            repo_id,
            license_id,
            tags,
            hub_page=hub_url(endpoint, kind, repo_id),
            author=author,
            created=created,
            last_updated=updated,
        )
    elif len(card) > CARD_MAX_CHARS:
        card = card[:CARD_MAX_CHARS] + "\n\n*(card cut at import: read it in full on the Hub)*\n"
    gated = getattr(info, "gated", None)
    card = _with_gating(card, gated, card_data)
    return {
        "id": repo_id,
        "kind": kind,
        "author": author,
        "summary": summary_of(card, fallback),
        "categories": categories_for(tags, card_data),
        "tags": tags,
        "license": license_id,
        "downloads": max(int(getattr(info, "downloads", None) or 0), 0),
        "likes": max(int(info.likes or 0), 0),
        "trending": max(float(getattr(info, "trending_score", None) or 0), 0.0),
        "created": created,
        "updated": updated,
        "card": card,
        "gated": gated in ("auto", "manual", True),
        "paper": paper_of(tags),
    }


# -- options, progress and the partial file --------------------------------------------------


@dataclass
class ImportOptions:
    """What to import; `limit` 0 means every match."""

    kinds: tuple[str, ...] = KINDS
    tags: tuple[str, ...] = ()
    search: str | None = None
    limit: int = DEFAULT_LIMIT
    sort: str = "trending_score"
    out: Path = DEFAULT_OUT
    resume: bool = False
    workers: int = 8
    endpoint: str | None = None

    def query(self) -> dict[str, Any]:
        """What must not change between a run and its `--resume` (the limit may)."""
        return {
            "kinds": list(self.kinds),
            "tags": list(self.tags),
            "search": self.search,
            "sort": self.sort,
        }


@dataclass
class ImportReport:
    written: Counter[str] = field(default_factory=Counter)  # per kind, this run and resumed
    resumed: int = 0
    minimal_cards: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> count
    seconds: float = 0.0
    out: Path | None = None

    def line(self) -> str:
        kinds = ", ".join(f"{n} {k}s" for k, n in self.written.items())
        text = f"{sum(self.written.values())} artifacts ({kinds or 'none'})"
        if self.resumed:
            text += f", {self.resumed} kept from the interrupted run"
        text += f"; {self.minimal_cards} minimal cards"
        if self.skipped:
            text += "; skipped " + ", ".join(f"{n} {why}" for why, n in self.skipped.items())
        return text


def side_files(out: Path) -> tuple[Path, Path]:
    """(partial JSON Lines, progress state) beside the output."""
    return out.with_name(out.name + ".partial"), out.with_name(out.name + ".progress.json")


def read_partial(path: Path) -> list[dict[str, Any]]:
    """Rows written so far; a torn last line (killed mid-write) is dropped from the file."""
    if not path.is_file():
        return []
    data = path.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]
    rows, bad = [], 0
    for raw in complete.splitlines():
        try:
            row = json.loads(raw)
        except ValueError:
            bad += 1
            continue
        if isinstance(row, dict) and all(isinstance(row.get(k), str) for k in ("id", "kind")):
            rows.append(row)
        else:
            bad += 1
    if bad or len(complete) != len(data):
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(b"".join(_jsonl(row) for row in rows))
        os.replace(tmp, path)
    return rows


def _jsonl(row: dict[str, Any]) -> bytes:
    return (json.dumps(row, ensure_ascii=False) + "\n").encode()


class _Writer:
    """Appends rows, one flushed line each; fsyncs now and then and at close."""

    def __init__(self, path: Path, fresh: bool) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file = path.open("wb" if fresh else "ab")
        self.unsynced = 0

    def write(self, row: dict[str, Any]) -> None:
        self.file.write(_jsonl(row))
        self.file.flush()
        self.unsynced += 1
        if self.unsynced >= 50:
            self.sync()

    def sync(self) -> None:
        os.fsync(self.file.fileno())
        self.unsynced = 0

    def close(self) -> None:
        self.sync()
        self.file.close()


def _save_state(path: Path, state: dict[str, Any]) -> None:
    state["updated"] = datetime.now(UTC).isoformat(timespec="seconds")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(state, indent=2) + "\n")
    os.replace(tmp, path)


# -- the import ------------------------------------------------------------------------------


_FAILURES = (OSError, httpx2.HTTPError)  # what the client raises once its retries are spent


class _Gone(Exception):
    """The repo vanished (or turned private) between the listing and its card download."""


def _fetch_card(api: HfApi, kind: str, repo_id: str, cache_dir: str) -> str | None:
    """README.md's text; None when there is none or it is gated. The client already retries
    429, 5xx and lost connections (about 20 s); whatever still fails aborts the import."""
    try:
        path = api.hf_hub_download(
            repo_id,
            "README.md",
            repo_type=kind,
            cache_dir=cache_dir,
            tqdm_class=cast(Any, _QuietTqdm),
        )
    except (RemoteEntryNotFoundError, GatedRepoError):
        return None
    except RepositoryNotFoundError as exc:
        raise _Gone(repo_id) from exc
    except _FAILURES as exc:  # HfHubHTTPError, or LocalEntryNotFoundError after the retries
        raise ImportAborted(f"{repo_id}: {_why(exc)}") from None
    return Path(path).read_text(encoding="utf-8", errors="replace")


def _why(exc: BaseException) -> str:
    """A short, token-free reason: the HTTP status if an answer came, else the error type."""
    seen: BaseException | None = exc
    while seen is not None:
        response = getattr(seen, "response", None)
        if isinstance(seen, HfHubHTTPError) and response is not None:
            return f"the Hub answered {response.status_code}"
        seen = seen.__cause__ or seen.__context__
    return f"the Hub cannot be reached ({type(exc).__name__})"


class _QuietTqdm(hf_tqdm):
    """No bar per README: the import has one bar per kind."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["disable"] = True
        super().__init__(*args, **kwargs)


def _listing(api: HfApi, kind: str, options: ImportOptions) -> Iterator[Any]:
    lister = {"model": api.list_models, "dataset": api.list_datasets, "space": api.list_spaces}
    sort = "likes" if kind == "space" and options.sort == "downloads" else options.sort
    return iter(
        lister[kind](
            filter=list(options.tags) or None,
            search=options.search,
            sort=cast(Any, sort),
            expand=cast(Any, EXPAND[kind]),
        )
    )


def import_hub(options: ImportOptions, api: HfApi | None = None) -> ImportReport:
    """Run (or resume) an import and write the catalog; raises ImportAborted on an outage."""
    started = time.monotonic()
    api = api or HfApi(endpoint=options.endpoint, library_name="openness-safeguards")
    partial, state_path = side_files(options.out)
    report = ImportReport()
    state: dict[str, Any] = {
        "version": STATE_VERSION,
        "query": options.query(),
        "limit": options.limit,
        "done": [],  # kinds whose listing is finished (skipped on resume, same limit only)
    }
    rows: list[dict[str, Any]] = []
    if options.resume and partial.is_file():
        if state_path.is_file():
            previous = json.loads(state_path.read_text())
            if previous.get("query") != options.query():
                raise ResumeMismatch(
                    f"--resume: the interrupted import asked for {previous.get('query')}, "
                    f"not {options.query()}; run it with the same options or without --resume"
                )
            if previous.get("limit") == options.limit:
                state["done"] = list(previous.get("done", []))
        rows = read_partial(partial)
        report.resumed = len(rows)
    elif partial.is_file():
        print(
            f"discarding the unfinished import in {partial} (use --resume to continue it)",
            file=sys.stderr,
        )
    taken: dict[str, str] = {row["id"]: row["kind"] for row in rows}
    for row in rows:
        report.written[row["kind"]] += 1
    writer = _Writer(partial, fresh=not rows)
    _save_state(state_path, state)
    pool = ThreadPoolExecutor(max_workers=max(1, options.workers))
    try:
        with tempfile.TemporaryDirectory(prefix="hubimport-", ignore_cleanup_errors=True) as cache:
            for kind in options.kinds:
                if kind not in state["done"]:
                    _import_kind(api, kind, options, pool, cache, writer, taken, report, state)
                    state["done"].append(kind)
                    _save_state(state_path, state)
    finally:  # on an outage or Ctrl-C, do not wait for downloads still retrying
        pool.shutdown(wait=False, cancel_futures=True)
        writer.close()
        state["counts"] = dict(report.written)
        _save_state(state_path, state)
    report.out = _finish(partial, options.out, options.kinds) if taken else None
    for path in (partial, state_path):
        path.unlink(missing_ok=True)
    report.seconds = time.monotonic() - started
    return report


def _import_kind(
    api: HfApi,
    kind: str,
    options: ImportOptions,
    pool: ThreadPoolExecutor,
    cache: str,
    writer: _Writer,
    taken: dict[str, str],
    report: ImportReport,
    state: dict[str, Any],
) -> None:
    """List one kind and fetch cards on the pool, writing each row as soon as it is ready."""
    limit = options.limit if options.limit > 0 else None
    endpoint = api.endpoint
    listing = _listing(api, kind, options)
    in_flight: dict[Future[str | None], Any] = {}
    exhausted = False
    bar = hf_tqdm(
        total=limit,
        initial=report.written[kind],
        desc=f"{kind}s",
        unit="repo",
        file=sys.stderr,
        disable=None,  # no bar when stderr is not a terminal: a line per 100 instead
    )
    last_save = time.monotonic()

    def room() -> bool:
        """Another download may start: the pool has work queued, the limit is not reached."""
        if len(in_flight) >= 2 * max(1, options.workers):
            return False
        return limit is None or report.written[kind] + len(in_flight) < limit

    try:
        while True:
            while not exhausted and room():
                info = next(listing, None)
                if info is None:
                    exhausted = True
                    break
                why = _skip_reason(info, kind, taken)
                if why == "already written":
                    continue
                if why:
                    report.skipped[why] += 1
                    continue
                taken[info.id] = kind
                in_flight[pool.submit(_fetch_card, api, kind, info.id, cache)] = info
            if not in_flight:
                break
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                info = in_flight.pop(future)
                try:
                    card = future.result()
                except _Gone:
                    del taken[info.id]
                    report.skipped["gone before their card was read"] += 1
                    continue
                try:
                    row = to_row(kind, info, card, endpoint)
                except (TypeError, ValueError, AttributeError):  # malformed listing entry
                    del taken[info.id]
                    report.skipped["with unreadable metadata"] += 1
                    continue
                report.minimal_cards += card is None
                writer.write(row)
                report.written[kind] += 1
                bar.update(1)
                if bar.disable and report.written[kind] % 100 == 0:
                    print(f"{kind}s: {report.written[kind]} written", file=sys.stderr)
            if time.monotonic() - last_save > 1:
                state["counts"] = dict(report.written)
                _save_state(side_files(options.out)[1], state)
                last_save = time.monotonic()
    except _FAILURES as exc:  # the listing failed, after the client's own retries
        raise ImportAborted(f"listing {kind}s: {_why(exc)}") from None
    finally:
        for future in in_flight:
            future.cancel()
        bar.close()
    print(f"{kind}s: {report.written[kind]} written, listing done", file=sys.stderr)


def _skip_reason(info: Any, kind: str, taken: dict[str, str]) -> str | None:
    repo_id = info.id
    if repo_id in taken:
        return "already written" if taken[repo_id] == kind else "ids taken by another kind"
    if namespace_of(repo_id) is None:
        return "without namespace" if "/" not in repo_id else "with unusable ids"
    if info.private:
        return "private"
    if getattr(info, "disabled", False):
        return "disabled"
    return None


def _finish(partial: Path, out: Path, kinds: tuple[str, ...]) -> Path:
    """Validate the rows as the app will, then move them into place in out's format
    (grouped by kind, in `--kinds` order; download order within a kind)."""
    order = {kind: n for n, kind in enumerate(kinds)}
    rows = sorted(read_partial(partial), key=lambda row: order.get(row["kind"], len(order)))
    tmp = out.with_name(f".{out.stem}.importing{out.suffix}")
    if out.suffix == ".parquet":
        pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), tmp)
    else:
        tmp.write_bytes(b"".join(_jsonl(row) for row in rows))
    try:
        load_catalog(tmp)
    except Exception:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, out)
    return out


# -- command line ----------------------------------------------------------------------------


def _csv(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _kinds(text: str) -> tuple[str, ...]:
    kinds = _csv(text)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(f"kinds are {', '.join(KINDS)}; not {unknown or text!r}")
    return tuple(dict.fromkeys(kinds))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `import-hub` options (shared by `python -m safeguards` and this module)."""
    parser.add_argument(
        "--kinds", type=_kinds, default=KINDS, help="comma-separated: model,dataset,space"
    )
    parser.add_argument(
        "--tags", type=_csv, default=(), help="Hub filter tags, all required (comma-separated)"
    )
    parser.add_argument("--search", default=None, help="text the repo id must contain")
    parser.add_argument(
        "--limit", type=int, default=DEFAULT_LIMIT, help="artifacts per kind; 0 for all matches"
    )
    parser.add_argument("--sort", choices=SORTS, default="trending_score", help="listing order")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=".jsonl or .parquet (default %(default)s)"
    )
    parser.add_argument(
        "--resume", action="store_true", help="continue an interrupted import of the same query"
    )
    parser.add_argument("--workers", type=int, default=8, help="parallel card downloads")
    parser.add_argument(
        "--endpoint", default=None, help="Hub or mirror URL (default: HF_ENDPOINT or the Hub)"
    )


def run(args: argparse.Namespace) -> int:
    """Import with parsed options; print a summary. 0 done, 1 interrupted/failed, 2 misuse."""
    if args.out.suffix not in (".jsonl", ".parquet"):
        print(f"--out must end in .jsonl or .parquet, not {args.out}", file=sys.stderr)
        return 2
    if args.limit < 0 or args.workers < 1:
        print("--limit must be 0 (all) or more, --workers 1 or more", file=sys.stderr)
        return 2
    options = ImportOptions(
        kinds=tuple(args.kinds),
        tags=tuple(args.tags),
        search=args.search,
        limit=args.limit,
        sort=args.sort,
        out=args.out,
        resume=args.resume,
        workers=args.workers,
        endpoint=args.endpoint,
    )
    try:
        report = import_hub(options)
    except ResumeMismatch as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except CatalogError as exc:  # a bug here, not the user's: keep the rows for a look
        print(
            f"the imported rows do not validate; kept in {side_files(args.out)[0]}\n{exc}",
            file=sys.stderr,
        )
        return 1
    except ImportAborted as exc:
        print(f"import interrupted ({exc}); run again with --resume to continue", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("import interrupted; run again with --resume to continue", file=sys.stderr)
        return 130
    if report.out is None:
        print(f"nothing matched: no catalog written ({report.line()})", file=sys.stderr)
        return 1
    print(f"wrote {report.line()} to {report.out} in {report.seconds:.1f} s")
    return 0
