"""A small Hugging Face Hub stand-in, so tests run the real `huggingface_hub` client offline.

It speaks the part of the Hub protocol that `huggingface_hub` 2.4 uses for repos, commits,
downloads, discussions and pull requests (see the last section of DESIGN.md). Repos live on
disk under `--root` (one folder per repo: `repo.json` + content-addressed `blobs/`), so a
killed server restarted on the same root and port keeps everything: that is how outage tests
simulate a Hub that goes away and comes back.

    python tests/hub_server.py --root DIR --port 0 --tokens alice:hf_a,hf_b   # prints READY <port>

A token is `user:token` or a bare token (user `user1`, `user2`, ... by position). Any valid
token may write to any repo (no namespace ownership); private repos need a valid token to read.
Test-only endpoints: `POST /_control` (fault injection), `GET /_stats` (counters) and
`POST /_seed` (many repos at once, with the listing metadata the Hub computes: downloads,
likes, tags, cardData, ...), which `GET /api/{models,datasets,spaces}` then lists.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import difflib
import hashlib
import html
import json
import os
import re
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.request
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}
GITATTRIBUTES = b"*.bin filter=lfs diff=lfs merge=lfs -text\n"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def git_blob_sha1(data: bytes) -> str:
    """The oid git (and the client's no-op check) gives a regular file."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class HubError(Exception):
    """An error answered the way the Hub does: status, `X-Error-Code`, `X-Error-Message`."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


@dataclasses.dataclass
class Commit:
    oid: str
    parent: str | None
    message: str
    description: str
    files: dict[str, str]  # path -> blob oid
    date: str
    author: str | None


@dataclasses.dataclass
class Discussion:
    num: int
    title: str
    author: str
    created_at: str
    is_pr: bool
    status: str  # open | closed | merged | draft
    events: list[dict[str, Any]]
    base: str | None = None  # commit the PR branched from
    merge_commit: str | None = None


@dataclasses.dataclass
class Repo:
    type: str
    id: str
    private: bool
    created_at: str
    refs: dict[str, str]  # "main" and "refs/pr/N" -> commit oid
    commits: dict[str, Commit]
    discussions: list[Discussion]
    sdk: str | None = None
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)  # listing fields, from /_seed

    @staticmethod
    def from_json(data: dict[str, Any]) -> Repo:
        data["commits"] = {k: Commit(**c) for k, c in data["commits"].items()}
        data["discussions"] = [Discussion(**d) for d in data["discussions"]]
        return Repo(**data)


class Store:
    """All repos, in memory and mirrored to disk after every change (one lock: tests, not scale)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lock = threading.RLock()
        self.repos: dict[tuple[str, str], Repo] = {}
        for path in root.glob("*s/*/*/repo.json"):
            repo = Repo.from_json(json.loads(path.read_text()))
            self.repos[(repo.type, repo.id)] = repo

    def folder(self, repo: Repo) -> Path:
        return self.root / f"{repo.type}s" / repo.id

    def save(self, repo: Repo) -> None:
        """Write repo.json atomically, so a SIGKILL never leaves a torn file."""
        path = self.folder(repo) / "repo.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(dataclasses.asdict(repo)))
        os.replace(tmp, path)

    def put_blob(self, repo: Repo, data: bytes) -> str:
        oid = git_blob_sha1(data)
        path = self.folder(repo) / "blobs" / oid
        if not path.exists():
            tmp = path.with_suffix(f".{secrets.token_hex(4)}")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        return oid

    def blob_path(self, repo: Repo, oid: str) -> Path:
        return self.folder(repo) / "blobs" / oid

    def get(self, repo_type: str, repo_id: str) -> Repo:
        repo = self.repos.get((repo_type, repo_id))
        if repo is None:
            raise HubError(404, "Repository not found", "RepoNotFound")
        return repo

    def create(self, repo_type: str, repo_id: str, private: bool, user: str | None) -> Repo:
        repo = Repo(repo_type, repo_id, private, now_iso(), {}, {}, [])
        (self.folder(repo) / "blobs").mkdir(parents=True, exist_ok=True)
        self.repos[(repo_type, repo_id)] = repo
        oid = self.put_blob(repo, GITATTRIBUTES)
        self.add_commit(repo, "main", None, {".gitattributes": oid}, "initial commit", "", user)
        return repo

    def delete(self, repo: Repo) -> None:
        del self.repos[(repo.type, repo.id)]
        shutil.rmtree(self.folder(repo), ignore_errors=True)

    def resolve(self, repo: Repo, rev: str) -> Commit:
        """Branch name, `refs/heads/x`, `refs/pr/N`, or a full or short (7+) commit sha."""
        rev = rev.removeprefix("refs/heads/")
        if rev in repo.refs:
            return repo.commits[repo.refs[rev]]
        if len(rev) >= 7 and re.fullmatch(r"[0-9a-f]+", rev):
            for oid, commit in repo.commits.items():
                if oid.startswith(rev):
                    return commit
        raise HubError(404, f"Invalid rev id: {rev}", "RevisionNotFound")

    def add_commit(
        self,
        repo: Repo,
        branch: str,
        parent: str | None,
        files: dict[str, str],
        message: str,
        description: str,
        author: str | None,
    ) -> Commit:
        date = now_iso()
        seed = json.dumps([parent, files, message, date, secrets.token_hex(8)]).encode()
        commit = Commit(
            hashlib.sha1(seed).hexdigest(), parent, message, description, files, date, author
        )
        repo.commits[commit.oid] = commit
        repo.refs[branch] = commit.oid
        return commit


def tree_entries(
    store: Store, repo: Repo, files: dict[str, str], prefix: str, recursive: bool
) -> list[dict[str, Any]]:
    """The `/tree` listing under `prefix`: files and the folders implied by their paths."""
    base = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
    dirs: dict[str, list[str]] = {}
    out: list[dict[str, Any]] = []
    for path in sorted(files):
        if not path.startswith(base):
            continue
        parts = path[len(base) :].split("/")
        for depth in range(1, len(parts)):
            folder = base + "/".join(parts[:depth])
            dirs.setdefault(folder, []).append(files[path])
            if not recursive:
                break
        if recursive or len(parts) == 1:
            out.append(file_entry(store, repo, path, files[path]))
    for folder, oids in sorted(dirs.items()):
        tree_oid = hashlib.sha1("".join(oids).encode()).hexdigest()
        out.append({"type": "directory", "oid": tree_oid, "size": 0, "path": folder})
    return out


def file_entry(store: Store, repo: Repo, path: str, oid: str) -> dict[str, Any]:
    size = store.blob_path(repo, oid).stat().st_size
    return {"type": "file", "oid": oid, "size": size, "path": path}


def event(kind: str, author: str | None, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": secrets.token_hex(12),
        "type": kind,
        "createdAt": now_iso(),
        "author": {"name": author or "deleted"},
        "data": data,
    }


def comment_event(author: str | None, text: str) -> dict[str, Any]:
    latest = {"raw": text, "html": f"<p>{html.escape(text)}</p>", "updatedAt": now_iso()}
    latest["author"] = {"name": author}
    data = {"edited": False, "hidden": False, "latest": latest, "numEdits": 0, "editors": []}
    return event("comment", author, {**data, "history": [latest]})


class Handler(BaseHTTPRequestHandler):
    """One request: read the whole body (keep-alive stays in sync), route, answer with a length."""

    protocol_version = "HTTP/1.1"
    server: HubServer
    body: bytes = b""
    query: dict[str, str]
    user: str | None = None

    def setup(self) -> None:
        super().setup()
        # Nagle + delayed ACK costs ~40 ms per small response on keep-alive connections.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def handle_any(self) -> None:
        method = self.command
        self.body = self.read_body()
        url = urlsplit(self.path)
        self.query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        try:
            status, payload, headers = self.server.app.dispatch(self, method, url.path)
        except HubError as err:
            status, payload = err.status, {"error": err.message}
            headers = {"X-Error-Message": err.message}
            if err.code:
                headers["X-Error-Code"] = err.code
            if status == 429:
                headers["Retry-After"] = "1"
        except Exception:
            traceback.print_exc()
            status, payload, headers = 500, {"error": "Internal Error"}, {}
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        headers.setdefault("Content-Type", "application/json")
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(raw)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = handle_any

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"{}")
        except ValueError as err:
            raise HubError(400, f"Invalid JSON body: {err}") from err


Reply = tuple[int, Any, dict[str, str]]
REPO = r"/api/(model|dataset|space)s/([^/]+/[^/]+)"


def names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# What `expand=` may ask for per kind (huggingface_hub's Expand*Property_T); anything else is
# a 400, as on the Hub, so a client asking for e.g. `downloads` of Spaces fails here too.
EXPAND: dict[str, frozenset[str]] = {
    "model": names(
        "author baseModels cardData childrenModelCount config createdAt disabled downloads "
        "downloadsAllTime evalResults gated gguf inference inferenceProviderMapping lastModified "
        "library_name likes mask_token model-index pipeline_tag private resourceGroup "
        "safetensors sha siblings spaces tags transformersInfo trendingScore usedStorage "
        "widgetData"
    ),
    "dataset": names(
        "author cardData citation createdAt description disabled downloads downloadsAllTime "
        "gated lastModified likes mainSize paperswithcode_id private resourceGroup sha siblings "
        "tags trendingScore usedStorage"
    ),
    "space": names(
        "author cardData createdAt datasets disabled lastModified likes models private region "
        "resourceGroup runtime sdk sha siblings subdomain tags trendingScore usedStorage"
    ),
}
# The few fields a plain listing (no `full`, `expand`) carries, roughly as on the Hub.
COMPACT: dict[str, frozenset[str]] = {
    "model": names(
        "likes trendingScore private downloads tags pipeline_tag library_name createdAt"
    ),
    "dataset": names(
        "author sha lastModified private gated disabled likes trendingScore tags description "
        "downloads createdAt"
    ),
    "space": names("author likes trendingScore private sdk tags createdAt"),
}
SORT_KEYS = frozenset({"downloads", "likes", "trendingScore", "createdAt", "lastModified"})
LIST_PAGE, LIST_MAX = 50, 1000  # small default page, so a few hundred repos paginate


class HubApp:
    """The routes. Each handler gets the request, the regex groups, and returns a Reply."""

    def __init__(self, store: Store, tokens: dict[str, str]) -> None:
        self.store, self.tokens = store, tokens
        self.requests, self.faults = 0, 0
        self.fault: dict[str, Any] = {}
        self.delay = 0.0  # seconds added to every Hub request (not /_*): a slow Hub
        routes: list[tuple[str, str, Any]] = [
            ("POST", r"/_control", self.control),
            ("GET", r"/_stats", self.stats),
            ("POST", r"/_seed", self.seed),
            ("GET", r"/api/(model|dataset|space)s", self.list_repos),
            ("POST", r"/api/repos/create", self.create_repo),
            ("DELETE", r"/api/repos/delete", self.delete_repo),
            ("GET", r"/api/whoami-v2", self.whoami),
            ("POST", r"/api/validate-yaml", lambda req: (200, {"errors": [], "warnings": []}, {})),
            ("GET", REPO + r"(?:/revision/(.+))?", self.repo_info),
            ("POST", REPO + r"/preupload/(.+)", self.preupload),
            ("POST", REPO + r"/commit/(.+)", self.commit),
            ("GET", REPO + r"/tree/(.+)", self.tree),
            ("POST", REPO + r"/paths-info/(.+)", self.paths_info),
            ("GET", REPO + r"/discussions", self.list_discussions),
            ("POST", REPO + r"/discussions", self.create_discussion),
            ("GET", REPO + r"/discussions/(\d+)", self.discussion_details),
            ("POST", REPO + r"/discussions/(\d+)/(comment|status|title|merge)", self.discuss),
            ("POST", REPO + r"/discussions/(\d+)/comment/(\w+)/(edit|hide)", self.edit_comment),
            ("GET|HEAD", r"/(?:(dataset|space)s/)?([^/]+/[^/]+)/resolve/(.+)", self.resolve),
        ]
        self.routes = [(m, re.compile(p), h) for m, p, h in routes]

    # -- plumbing -------------------------------------------------------------------------

    def dispatch(self, req: Handler, method: str, path: str) -> Reply:
        if self.delay and not path.startswith("/_"):
            time.sleep(self.delay)
        with self.store.lock:
            if not path.startswith("/_"):
                self.requests += 1
                self.inject_fault(path)
            req.user = self.user(req)
        for methods, pattern, handler in self.routes:
            match = pattern.fullmatch(path)
            if match and method in methods.split("|"):
                with self.store.lock:
                    return handler(req, *match.groups())
        raise HubError(404, f"Not found: {method} {path}")

    def inject_fault(self, path: str) -> None:
        """Answer with the status set through /_control, `count` times or until reset."""
        fault = self.fault
        if not fault or fault.get("path", "") not in path:
            return
        if fault.get("count") is not None:
            fault["count"] -= 1
            if fault["count"] <= 0:
                self.fault = {}
        self.faults += 1
        status = fault["status"]
        if status == 401:
            raise HubError(401, "Invalid credentials in Authorization header")
        raise HubError(status, "Injected fault: the Hub is having trouble right now")

    def user(self, req: Handler) -> str | None:
        """The token's user; an unknown token is a 401 everywhere, like the Hub."""
        auth = req.headers.get("Authorization", "")
        if not auth:
            return None
        token = auth.removeprefix("Bearer ").strip()
        if token not in self.tokens:
            raise HubError(401, "Invalid credentials in Authorization header")
        return self.tokens[token]

    def need_user(self, req: Handler) -> str:
        if req.user is None:
            raise HubError(401, "You must be authenticated to do this: pass a valid token")
        return req.user

    def readable(self, req: Handler, repo_type: str, repo_id: str) -> Repo:
        repo = self.store.get(repo_type, repo_id)
        if repo.private and req.user is None:
            raise HubError(401, "Repository not found", "RepoNotFound")
        return repo

    def writable(self, req: Handler, repo_type: str, repo_id: str) -> tuple[Repo, str]:
        user = self.need_user(req)  # 401 before 404, as the Hub does for anonymous writes
        return self.store.get(repo_type, repo_id), user

    @staticmethod
    def repo_id(body: dict[str, Any], user: str) -> tuple[str, str]:
        """(type, id) from a create/delete body: `name` and `organization` (default: the user)."""
        name, org = body.get("name", ""), body.get("organization")
        return body.get("type") or "model", name if "/" in name else f"{org or user}/{name}"

    def base_url(self, req: Handler, repo: Repo) -> str:
        host = req.headers.get("Host") or f"127.0.0.1:{req.server.server_address[1]}"
        return f"http://{host}/{PREFIX[repo.type]}{repo.id}"

    # -- test control ---------------------------------------------------------------------

    def control(self, req: Handler) -> Reply:
        """{"mode": "ok" | "500" | "429" | "401" | any status, "count": N, "path": substring,
        "delay": seconds per request (kept until set again)}."""
        body = req.json()
        if body.get("delay") is not None:
            self.delay = float(body["delay"])
        mode = str(body.get("mode", "ok"))
        self.fault = {} if mode == "ok" else {"status": int(mode), "count": body.get("count")}
        if self.fault and body.get("path"):
            self.fault["path"] = body["path"]
        return 200, {"mode": mode, **self.fault}, {}

    def stats(self, req: Handler) -> Reply:
        commits = {
            f"{PREFIX[t] or 'models/'}{i}": len(r.commits) for (t, i), r in self.store.repos.items()
        }
        return 200, {"requests": self.requests, "faults": self.faults, "commits": commits}, {}

    # -- repos ----------------------------------------------------------------------------

    def create_repo(self, req: Handler) -> Reply:
        user, body = self.need_user(req), req.json()
        repo_type, repo_id = self.repo_id(body, user)
        if repo_type not in PREFIX or not re.fullmatch(r"[\w.-]+/[\w.-]+", repo_id):
            raise HubError(400, f"Invalid repo type or name: {repo_type} {repo_id}")
        if (repo_type, repo_id) in self.store.repos:
            repo = self.store.repos[(repo_type, repo_id)]
            url = self.base_url(req, repo)
            return 409, {"error": "You already created this repo", "url": url}, {}
        private = body.get("private") or body.get("visibility") == "private"
        repo = self.store.create(repo_type, repo_id, bool(private), user)
        repo.sdk = body.get("sdk")
        self.store.save(repo)
        return 200, {"url": self.base_url(req, repo), "name": repo_id, "id": repo_id}, {}

    def delete_repo(self, req: Handler) -> Reply:
        repo_type, repo_id = self.repo_id(req.json(), self.need_user(req))
        self.store.delete(self.store.get(repo_type, repo_id))
        return 200, {}, {}

    def whoami(self, req: Handler) -> Reply:
        user = self.need_user(req)
        token = {"displayName": "test token", "role": "write"}
        auth = {"type": "access_token", "accessToken": token}
        return 200, {"type": "user", "name": user, "fullname": user, "orgs": [], "auth": auth}, {}

    def repo_info(self, req: Handler, repo_type: str, repo_id: str, rev: str | None) -> Reply:
        repo = self.readable(req, repo_type, repo_id)
        commit = self.store.resolve(repo, unquote(rev or "main"))
        siblings = [
            {"rfilename": e["path"], "size": e["size"], "blobId": e["oid"]}
            for e in tree_entries(self.store, repo, commit.files, "", True)
            if e["type"] == "file"
        ]
        info = {
            "_id": hashlib.sha1(repo.id.encode()).hexdigest()[:24],
            "id": repo.id,
            "author": repo.id.split("/")[0],
            "sha": commit.oid,
            "lastModified": commit.date,
            "createdAt": repo.created_at,
            "private": repo.private,
            "gated": False,
            "disabled": False,
            "downloads": 0,
            "likes": 0,
            "tags": [],
            "siblings": siblings,
        }
        if repo.type == "space":
            info["sdk"] = repo.sdk
        info.update({k: v for k, v in repo.meta.items() if k != "description"})
        return 200, info, {}

    # -- listing (GET /api/models|datasets|spaces) and seeding ----------------------------

    def seed(self, req: Handler) -> Reply:
        """Create or update many repos in one call (no token needed: test-only).

        Body: {"repos": [{"type", "id", "private"?, "sdk"?, "readme"?, and listing fields:
        "downloads", "likes", "trendingScore", "gated", "tags", "cardData", "createdAt",
        "lastModified", "description", "pipeline_tag", "library_name"}]}. A "readme" is
        committed as README.md; without one the repo has only .gitattributes.
        """
        made = 0
        for spec in req.json().get("repos", []):
            spec = dict(spec)
            repo_type, repo_id = spec.pop("type", "model"), spec.pop("id")
            readme, private = spec.pop("readme", None), bool(spec.pop("private", False))
            repo = self.store.repos.get((repo_type, repo_id))
            if repo is None:
                repo = self.store.create(repo_type, repo_id, private, "seed")
                made += 1
            repo.private, repo.sdk = private, spec.pop("sdk", repo.sdk)
            repo.created_at = spec.get("createdAt", repo.created_at)
            repo.meta.update(spec)
            if readme is not None:
                files = dict(repo.commits[repo.refs["main"]].files)
                files["README.md"] = self.store.put_blob(repo, readme.encode())
                self.store.add_commit(
                    repo, "main", repo.refs["main"], files, "Add README.md", "", "seed"
                )
            self.store.save(repo)
        return 200, {"created": made, "repos": len(self.store.repos)}, {}

    def listing_item(self, repo: Repo) -> dict[str, Any]:
        """Every field the listing can show for one repo; the request picks a subset."""
        commit = repo.commits[repo.refs["main"]]
        meta = repo.meta
        item: dict[str, Any] = {
            "_id": hashlib.sha1(repo.id.encode()).hexdigest()[:24],
            "id": repo.id,
            "author": repo.id.split("/")[0],
            "sha": commit.oid,
            "lastModified": meta.get("lastModified", commit.date),
            "createdAt": repo.created_at,
            "private": repo.private,
            "gated": meta.get("gated", False),
            "disabled": False,
            "likes": meta.get("likes", 0),
            "trendingScore": meta.get("trendingScore", 0),
            "tags": list(meta.get("tags", [])),
            "siblings": [{"rfilename": path} for path in sorted(commit.files)],
        }
        if repo.type != "space":
            item["downloads"] = item["downloadsAllTime"] = meta.get("downloads", 0)
        else:
            item["sdk"] = repo.sdk
            item.pop("gated")
        if repo.type == "model":
            item["modelId"] = repo.id
            item["pipeline_tag"] = meta.get("pipeline_tag")
            item["library_name"] = meta.get("library_name")
        if repo.type == "dataset":
            item["description"] = meta.get("description", "")
        if "cardData" in meta:
            item["cardData"] = meta["cardData"]
        return item

    def list_repos(self, req: Handler, repo_type: str) -> Reply:
        """search (substring of the id), filter (tags, all must match), author, gated, sort
        (+ direction), limit (page size) and an opaque cursor answered with a `Link: <...>;
        rel="next"` header; full / cardData / expand pick the fields, as on the Hub."""
        params = parse_qs(urlsplit(req.path).query)
        one = {k: v[-1] for k, v in params.items()}
        expand = params.get("expand", []) + params.get("expand[]", [])
        unknown = sorted(set(expand) - EXPAND[repo_type])
        if unknown:
            raise HubError(400, f"Invalid expand value(s) for {repo_type}s: {', '.join(unknown)}")
        if expand and (one.get("full") or one.get("cardData")):
            raise HubError(400, "expand cannot be combined with full or cardData")
        filters = params.get("filter", [])
        searches = [s.lower() for s in params.get("search", [])]
        author, gated = one.get("author"), one.get("gated")
        items = []
        for (kind, _), repo in self.store.repos.items():
            if kind != repo_type or (repo.private and req.user != repo.id.split("/")[0]):
                continue
            item = self.listing_item(repo)
            if (
                all(f in item["tags"] for f in filters)
                and all(s in repo.id.lower() for s in searches)
                and author in (None, item["author"])
                and (gated is None or bool(item.get("gated")) == (gated.lower() == "true"))
            ):
                items.append(item)
        items.sort(key=lambda i: i["id"])
        sort = one.get("sort")
        if sort:
            if sort not in SORT_KEYS or (sort == "downloads" and repo_type == "space"):
                raise HubError(400, f"Invalid sort key {sort!r}")
            descending = one.get("direction", "-1") != "1"
            items.sort(key=lambda i: i.get(sort) or 0, reverse=descending)
        try:
            size = min(int(one.get("limit", LIST_PAGE)), LIST_MAX)
            start = int(base64.urlsafe_b64decode(one["cursor"])) if "cursor" in one else 0
        except ValueError as err:
            raise HubError(400, f"Invalid limit or cursor: {err}") from err
        yes = ("true", "True", "1")
        card = {"cardData"} if one.get("cardData") in yes else set()
        if expand:
            keep: set[str] | None = {"_id", "id", *expand}
        elif one.get("full") in yes:  # everything; models' cardData only when asked for
            keep = None
        else:
            keep = {"_id", "id", *COMPACT[repo_type], *card}
        page = []
        for item in items[start : start + size]:
            if keep is None and repo_type == "model" and not card:
                item.pop("cardData", None)
            page.append(item if keep is None else {k: v for k, v in item.items() if k in keep})
        headers: dict[str, str] = {}
        if start + size < len(items):
            rest = {k: v for k, v in params.items() if k != "cursor"}
            rest["cursor"] = [base64.urlsafe_b64encode(str(start + size).encode()).decode()]
            host = req.headers.get("Host") or f"127.0.0.1:{req.server.server_address[1]}"
            url = f"http://{host}/api/{repo_type}s?{urlencode(rest, doseq=True)}"
            headers["Link"] = f'<{url}>; rel="next"'
        return 200, page, headers

    def preupload(self, req: Handler, repo_type: str, repo_id: str, rev: str) -> Reply:
        repo, _ = self.writable(req, repo_type, repo_id)
        commit = self.store.resolve(repo, unquote(rev))
        files = [
            {
                "path": f["path"],
                "uploadMode": "regular",  # "lfs" would send the client to Xet or the LFS batch API
                "shouldIgnore": False,
                "oid": commit.files.get(f["path"]),
            }
            for f in req.json().get("files", [])
        ]
        return 200, {"files": files, "commitOid": commit.oid}, {}

    def commit(self, req: Handler, repo_type: str, repo_id: str, rev: str) -> Reply:
        """NDJSON body: a header line, then file / deletedFile / deletedFolder lines."""
        repo, user = self.writable(req, repo_type, repo_id)
        lines = [json.loads(line) for line in req.body.splitlines() if line.strip()]
        header = next((ln["value"] for ln in lines if ln["key"] == "header"), {})
        rev, parent = unquote(rev), header.get("parentCommit")
        summary, description = header.get("summary") or "Update", header.get("description") or ""
        pr: Discussion | None = None
        if req.query.get("create_pr") in ("1", "true", "True"):
            base = self.store.resolve(repo, parent or rev)
            pr = self.new_discussion(repo, user, summary, description, True, "open")
            pr.base, branch = base.oid, f"refs/pr/{pr.num}"
        else:
            branch = rev.removeprefix("refs/heads/")
            if branch not in repo.refs:
                raise HubError(404, f"Invalid rev id: {rev}", "RevisionNotFound")
            base = repo.commits[repo.refs[branch]]
            if parent and not base.oid.startswith(parent):
                raise HubError(412, "A commit has happened since. Please refresh and try again.")
        files = dict(base.files)
        for line in lines:
            key, value = line["key"], line["value"]
            path = value.get("path", "").strip("/")
            if key == "file":
                files[path] = self.store.put_blob(repo, base64.b64decode(value["content"]))
            elif key == "deletedFile":
                if files.pop(path, None) is None:
                    raise HubError(404, "A file with this name doesn't exist", "EntryNotFound")
            elif key == "deletedFolder":
                gone = [p for p in files if p.startswith(path + "/")]
                if not gone:
                    raise HubError(404, "A folder with this name doesn't exist", "EntryNotFound")
                for p in gone:
                    del files[p]
            elif key != "header":
                raise HubError(400, f"Unsupported commit operation {key!r} (no LFS here)")
        commit = self.store.add_commit(repo, branch, base.oid, files, summary, description, user)
        if branch.startswith("refs/pr/"):
            pr = pr or self.get_discussion(repo, branch.rsplit("/", 1)[1])
            pr.events.append(event("commit", user, {"subject": summary, "oid": commit.oid}))
            pr.status = "open" if pr.status == "draft" else pr.status
        self.store.save(repo)
        url = self.base_url(req, repo)
        reply = {
            "success": True,
            "commitOid": commit.oid,
            "commitUrl": f"{url}/commit/{commit.oid}",
        }
        reply["pullRequestUrl"] = f"{url}/discussions/{pr.num}" if pr else None
        return 200, reply, {}

    def tree(self, req: Handler, repo_type: str, repo_id: str, rest: str) -> Reply:
        repo = self.readable(req, repo_type, repo_id)
        parts = rest.split("/")
        n = 3 if parts[0] == "refs" and len(parts) >= 3 else 1  # an unquoted refs/pr/N
        commit = self.store.resolve(repo, unquote("/".join(parts[:n])))
        path = unquote("/".join(parts[n:])).strip("/")
        recursive = req.query.get("recursive", "").lower() in ("1", "true")
        entries = tree_entries(self.store, repo, commit.files, path, recursive)
        if path and not entries:
            raise HubError(404, f"Entry not found: {path}", "EntryNotFound")
        return 200, entries, {}

    def paths_info(self, req: Handler, repo_type: str, repo_id: str, rev: str) -> Reply:
        repo = self.readable(req, repo_type, repo_id)
        commit = self.store.resolve(repo, unquote(rev))
        form = parse_qs(req.body.decode())
        if not form and req.body.strip().startswith(b"{"):
            form = {"paths": req.json().get("paths", [])}
        out = []
        for path in form.get("paths", []):
            path = path.strip("/")
            if path in commit.files:
                out.append(file_entry(self.store, repo, path, commit.files[path]))
            else:
                parent = tree_entries(
                    self.store, repo, commit.files, path.rpartition("/")[0], False
                )
                out += [e for e in parent if e["type"] == "directory" and e["path"] == path]
        return 200, out, {}

    def resolve(self, req: Handler, repo_type: str | None, repo_id: str, rest: str) -> Reply:
        repo = self.readable(req, repo_type or "model", repo_id)
        parts = rest.split("/")
        n = 3 if parts[0] == "refs" and len(parts) >= 4 else 1
        commit = self.store.resolve(repo, unquote("/".join(parts[:n])))
        path = unquote("/".join(parts[n:]))
        if path not in commit.files:
            raise HubError(404, "Entry not found", "EntryNotFound")
        oid = commit.files[path]
        headers = {"X-Repo-Commit": commit.oid, "ETag": f'"{oid}"'}
        headers["Content-Type"] = "application/octet-stream"
        return 200, self.store.blob_path(repo, oid).read_bytes(), headers

    # -- discussions and pull requests -----------------------------------------------------

    def new_discussion(
        self, repo: Repo, user: str, title: str, description: str, is_pr: bool, status: str
    ) -> Discussion:
        num = len(repo.discussions) + 1
        events = [comment_event(user, description)]
        discussion = Discussion(num, title, user, now_iso(), is_pr, status, events)
        repo.discussions.append(discussion)
        return discussion

    def get_discussion(self, repo: Repo, num: str) -> Discussion:
        if not 0 < int(num) <= len(repo.discussions):
            raise HubError(404, "Discussion not found")
        return repo.discussions[int(num) - 1]

    def summary(self, repo: Repo, d: Discussion) -> dict[str, Any]:
        return {
            "num": d.num,
            "title": d.title,
            "status": d.status,
            "isPullRequest": d.is_pr,
            "createdAt": d.created_at,
            "author": {"name": d.author},
            "repo": {"name": repo.id, "type": repo.type},
            "pinned": False,
            "numComments": sum(e["type"] == "comment" for e in d.events),
        }

    def list_discussions(self, req: Handler, repo_type: str, repo_id: str) -> Reply:
        repo = self.readable(req, repo_type, repo_id)
        kind, status = req.query.get("type", "all"), req.query.get("status", "all")
        items = [
            d
            for d in reversed(repo.discussions)
            if (kind == "all" or d.is_pr == (kind == "pull_request"))
            and (status == "all" or d.status == status)
            and req.query.get("author") in (None, d.author)
        ]
        start = int(req.query.get("p", 0)) * 50
        page = [self.summary(repo, d) for d in items[start : start + 50]]
        return 200, {"discussions": page, "count": len(items), "start": start}, {}

    def create_discussion(self, req: Handler, repo_type: str, repo_id: str) -> Reply:
        repo, user = self.writable(req, repo_type, repo_id)
        body = req.json()
        is_pr = bool(body.get("pullRequest"))
        title, description = body.get("title", ""), body.get("description", "")
        d = self.new_discussion(repo, user, title, description, is_pr, "draft" if is_pr else "open")
        if is_pr:  # an empty PR branch at main's head; it opens with its first commit
            d.base = repo.refs["main"]
            repo.refs[f"refs/pr/{d.num}"] = d.base
        self.store.save(repo)
        return 200, {"num": d.num, "url": f"{self.base_url(req, repo)}/discussions/{d.num}"}, {}

    def pr_changes(self, repo: Repo, d: Discussion) -> tuple[dict[str, str | None], list[str]]:
        """Files the PR changes against its base, and those main has changed differently since."""
        base = repo.commits[d.base or repo.refs["main"]].files
        head = repo.commits[repo.refs[f"refs/pr/{d.num}"]].files
        main = repo.commits[repo.refs["main"]].files
        changed = {p: head.get(p) for p in base.keys() | head.keys() if base.get(p) != head.get(p)}
        conflicts = [p for p, oid in changed.items() if main.get(p) not in (base.get(p), oid)]
        return changed, sorted(conflicts)

    def diff(self, repo: Repo, d: Discussion) -> str:
        base = repo.commits[d.base or repo.refs["main"]].files
        out: list[str] = []
        for path, oid in sorted(self.pr_changes(repo, d)[0].items()):
            old, new = (
                self.store.blob_path(repo, o).read_text(errors="replace").splitlines(keepends=True)
                if o
                else []
                for o in (base.get(path), oid)
            )
            out += difflib.unified_diff(old, new, f"a/{path}", f"b/{path}")
        return "".join(out)

    def discussion_details(self, req: Handler, repo_type: str, repo_id: str, num: str) -> Reply:
        repo = self.readable(req, repo_type, repo_id)
        d = self.get_discussion(repo, num)
        details = {**self.summary(repo, d), "events": d.events}
        if d.is_pr:
            conflicts = self.pr_changes(repo, d)[1] if d.status in ("open", "draft") else []
            details["changes"] = {"base": "refs/heads/main", "mergeCommitId": d.merge_commit}
            details["filesWithConflicts"] = conflicts
            details["diff"] = self.diff(repo, d) if req.query.get("diff") == "1" else None
        return 200, details, {}

    def discuss(self, req: Handler, repo_type: str, repo_id: str, num: str, action: str) -> Reply:
        repo, user = self.writable(req, repo_type, repo_id)
        d = self.get_discussion(repo, num)
        body = req.json() or {}
        if body.get("comment") and action != "comment":
            d.events.append(comment_event(user, body["comment"]))
        if action == "comment":
            d.events.append(comment_event(user, body.get("comment", "")))
            reply = {"newMessage": d.events[-1]}
        elif action == "title":
            d.events.append(event("title-change", user, {"from": d.title, "to": body["title"]}))
            d.title, reply = body["title"], {"newTitle": d.events[-1]}
        elif action == "status":
            if body.get("status") not in ("open", "closed") or d.status == "merged":
                raise HubError(400, f"Cannot set status {body.get('status')!r} on this discussion")
            d.status = body["status"]
            d.events.append(event("status-change", user, {"status": d.status}))
            reply = {"newStatus": d.events[-1]}
        else:
            reply = self.merge(repo, d, user)
        self.store.save(repo)
        return 200, reply, {}

    def merge(self, repo: Repo, d: Discussion, user: str) -> dict[str, Any]:
        """Apply the PR's changes onto main (a 3-way file merge); 409 on conflicting files."""
        if not d.is_pr or d.status in ("closed", "merged"):
            raise HubError(400, "Only an open pull request can be merged")
        changed, conflicts = self.pr_changes(repo, d)
        if conflicts:
            raise HubError(409, f"Merge conflict in {', '.join(conflicts)}")
        files = dict(repo.commits[repo.refs["main"]].files)
        for path, oid in changed.items():
            if oid is None:
                files.pop(path, None)
            else:
                files[path] = oid
        message = f"Merge pull request #{d.num}: {d.title}"
        commit = self.store.add_commit(repo, "main", repo.refs["main"], files, message, "", user)
        d.status, d.merge_commit = "merged", commit.oid
        d.events.append(event("status-change", user, {"status": "merged"}))
        return {"status": "merged", "mergeCommitId": commit.oid}

    def edit_comment(
        self, req: Handler, repo_type: str, repo_id: str, num: str, cid: str, action: str
    ) -> Reply:
        repo, user = self.writable(req, repo_type, repo_id)
        d = self.get_discussion(repo, num)
        found = [e for e in d.events if e["id"] == cid and e["type"] == "comment"]
        if not found:
            raise HubError(404, "Comment not found")
        data = found[0]["data"]
        if action == "hide":
            data["hidden"] = True
        else:
            text = req.json().get("content", "")
            data["latest"] = {**data["latest"], "raw": text, "html": f"<p>{html.escape(text)}</p>"}
            data["latest"].update(updatedAt=now_iso(), author={"name": user})
            data["edited"], data["numEdits"] = True, data["numEdits"] + 1
            data["history"].append(data["latest"])
        self.store.save(repo)
        return 200, {"updatedComment": found[0]}, {}


class HubServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True  # restart on the same port right after a SIGKILL

    def __init__(self, addr: tuple[str, int], app: HubApp, verbose: bool = False) -> None:
        super().__init__(addr, Handler)
        self.app, self.verbose = app, verbose

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer is normal in outage tests: stay quiet about it."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def parse_tokens(spec: str) -> dict[str, str]:
    """`alice:hf_a,hf_b` -> {"hf_a": "alice", "hf_b": "user2"}."""
    tokens: dict[str, str] = {}
    for i, item in enumerate(filter(None, (s.strip() for s in spec.split(","))), start=1):
        user, _, token = item.rpartition(":")
        tokens[token] = user or f"user{i}"
    return tokens


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tokens", default="hf_test_token")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    args.root.mkdir(parents=True, exist_ok=True)
    app = HubApp(Store(args.root), parse_tokens(args.tokens))
    server = HubServer((args.host, args.port), app, args.verbose)
    print(f"READY {server.server_address[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


class HubServerProcess:
    """The server in a subprocess: `kill()` is a real outage (SIGKILL), `restart()` its end."""

    def __init__(
        self, root: str | Path, tokens: str | list[str] = "hf_test_token", port: int = 0
    ) -> None:
        self.root, self.port = Path(root), port
        self.tokens = tokens if isinstance(tokens, str) else ",".join(tokens)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10) -> HubServerProcess:
        cmd = [sys.executable, __file__, "--root", str(self.root), "--port", str(self.port)]
        self.proc = subprocess.Popen([*cmd, "--tokens", self.tokens], stdout=subprocess.PIPE)
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.1)
            if ready:
                line = self.proc.stdout.readline().decode()
                if line.startswith("READY "):
                    self.port = int(line.split()[1])
                    return self
            if self.proc.poll() is not None:
                break
        self.kill()
        raise RuntimeError(f"hub server did not start (port {self.port})")

    def kill(self) -> None:
        """SIGKILL: open keep-alive connections die too, as in a real outage."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        if self.proc:
            self.proc.wait()
            if self.proc.stdout:
                self.proc.stdout.close()

    def restart(self) -> HubServerProcess:
        self.kill()
        return self.start()

    def control(
        self,
        mode: str,
        count: int | None = None,
        path: str | None = None,
        delay: float | None = None,
    ) -> dict:
        body = json.dumps({"mode": mode, "count": count, "path": path, "delay": delay}).encode()
        return self._call("/_control", body)

    def seed(self, repos: list[dict[str, Any]]) -> dict:
        """Create many repos with listing metadata at once (see HubApp.seed)."""
        return self._call("/_seed", json.dumps({"repos": repos}).encode())

    def stats(self) -> dict:
        return self._call("/_stats")

    def _call(self, path: str, body: bytes | None = None) -> dict:
        with urllib.request.urlopen(self.endpoint + path, data=body, timeout=5) as resp:
            return json.loads(resp.read())

    def __enter__(self) -> HubServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.kill()


if __name__ == "__main__":
    main()
