"""The real `huggingface_hub` client against tests/hub_server.py.

Most tests call `HfApi(endpoint=...)` in-process with explicit tokens. Card functions
(`metadata_update`) read the endpoint fixed at import, so that flow runs in a subprocess
with `HF_ENDPOINT`/`HF_TOKEN` set, the way the app itself is configured.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from hub_server import HubServerProcess

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")  # effective only if imported first
hf = pytest.importorskip("huggingface_hub")
from huggingface_hub import CommitScheduler, HfApi  # noqa: E402
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError  # noqa: E402

TOKEN, OTHER = "hf_good1", "hf_good2"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubServerProcess]:
    with HubServerProcess(tmp_path_factory.mktemp("hub"), tokens=f"alice:{TOKEN},{OTHER}") as srv:
        yield srv


@pytest.fixture(autouse=True)
def _no_telemetry(monkeypatch: pytest.MonkeyPatch) -> None:
    # Otherwise the client asks the real Hub for /api/agent-harnesses (3 s timeout offline).
    monkeypatch.setattr(hf.constants, "HF_HUB_DISABLE_TELEMETRY", True)


@pytest.fixture
def api(hub: HubServerProcess) -> HfApi:
    hub.control("ok")
    return HfApi(endpoint=hub.endpoint, token=TOKEN)


def run_client(hub: HubServerProcess, tmp_path: Path, code: str) -> dict:
    """Run client code in a fresh interpreter configured by environment, as the app is."""
    env = {
        **os.environ,
        "HF_ENDPOINT": hub.endpoint,
        "HF_TOKEN": TOKEN,
        "HF_HOME": str(tmp_path / "hf_home"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_XET": "1",
    }
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_create_private_dataset_exist_ok(api: HfApi, hub: HubServerProcess) -> None:
    url = api.create_repo("alice/private-log", repo_type="dataset", private=True)
    assert url.repo_id == "alice/private-log" and url.repo_type == "dataset"
    for _ in range(2):
        again = api.create_repo("alice/private-log", repo_type="dataset", exist_ok=True)
        assert again.repo_id == "alice/private-log"
    with pytest.raises(HfHubHTTPError) as err:
        api.create_repo("alice/private-log", repo_type="dataset")
    assert err.value.response.status_code == 409
    info = api.dataset_info("alice/private-log")
    assert info.private is True and info.sha
    assert api.whoami()["name"] == "alice"
    assert HfApi(endpoint=hub.endpoint, token=OTHER).whoami()["name"] == "user2"


def test_upload_file_download_round_trip(api: HfApi, hub: HubServerProcess, tmp_path: Path) -> None:
    api.create_repo("alice/roundtrip", repo_type="dataset")
    info = api.upload_file(
        path_or_fileobj=b'{"a": 1}\n',
        path_in_repo="events/part-0.jsonl",
        repo_id="alice/roundtrip",
        repo_type="dataset",
        commit_message="first events",
    )
    assert len(info.oid) == 40 and info.pr_url is None
    path = hf.hf_hub_download(
        "alice/roundtrip",
        "events/part-0.jsonl",
        repo_type="dataset",
        endpoint=hub.endpoint,
        token=TOKEN,
        cache_dir=tmp_path,
    )
    assert Path(path).read_bytes() == b'{"a": 1}\n'
    with pytest.raises(hf.errors.RemoteEntryNotFoundError):
        hf.hf_hub_download(
            "alice/roundtrip",
            "missing.txt",
            repo_type="dataset",
            endpoint=hub.endpoint,
            token=TOKEN,
            cache_dir=tmp_path,
        )
    assert hub.stats()["commits"]["datasets/alice/roundtrip"] == 2  # initial + ours


def test_upload_folder_snapshot_and_tree(api: HfApi, hub: HubServerProcess, tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "data" / "2024").mkdir(parents=True)
    (src / "README.md").write_text("# Log\n")
    (src / "data" / "a.jsonl").write_text("1\n")
    (src / "data" / "2024" / "b.jsonl").write_text("2\n")
    api.create_repo("alice/folder", repo_type="dataset")
    api.upload_folder(folder_path=src, repo_id="alice/folder", repo_type="dataset")

    tree = {e.path for e in api.list_repo_tree("alice/folder", repo_type="dataset", recursive=True)}
    assert {"README.md", "data", "data/a.jsonl", "data/2024", "data/2024/b.jsonl"} <= tree
    top = {e.path for e in api.list_repo_tree("alice/folder", "data", repo_type="dataset")}
    assert top == {"data/a.jsonl", "data/2024"}
    with pytest.raises(hf.errors.RemoteEntryNotFoundError):
        list(api.list_repo_tree("alice/folder", "nope", repo_type="dataset"))
    infos = api.get_paths_info("alice/folder", ["data", "README.md"], repo_type="dataset")
    assert sorted(type(i).__name__ for i in infos) == ["RepoFile", "RepoFolder"]

    out = hf.snapshot_download(
        "alice/folder",
        repo_type="dataset",
        endpoint=hub.endpoint,
        token=TOKEN,
        local_dir=tmp_path / "out",
    )
    assert (Path(out) / "data" / "2024" / "b.jsonl").read_text() == "2\n"

    api.delete_file("data/a.jsonl", "alice/folder", repo_type="dataset")
    api.delete_folder("data/2024", "alice/folder", repo_type="dataset")
    files = api.list_repo_files("alice/folder", repo_type="dataset")
    assert "data/a.jsonl" not in files and "data/2024/b.jsonl" not in files


def test_commit_scheduler_pushes_changed_files(
    api: HfApi, hub: HubServerProcess, tmp_path: Path
) -> None:
    folder = tmp_path / "log"
    folder.mkdir()
    (folder / "a.jsonl").write_text("1\n")
    (folder / "b.jsonl").write_text("1\n")
    scheduler = CommitScheduler(
        repo_id="alice/sched",
        repo_type="dataset",
        folder_path=folder,
        every=10,
        private=True,
        hf_api=api,
    )
    try:
        scheduler.trigger().result(timeout=20)  # waits for the start-up push too (one worker)
        with scheduler.lock:
            (folder / "b.jsonl").write_text("1\n2\n")
            (folder / "c.jsonl").write_text("3\n")
        scheduler.trigger().result(timeout=20)
    finally:
        scheduler.stop()
    files = set(api.list_repo_files("alice/sched", repo_type="dataset"))
    assert {"a.jsonl", "b.jsonl", "c.jsonl"} <= files
    commits = hub.stats()["commits"]["datasets/alice/sched"]
    assert commits == 3  # initial, start-up push, the changes (the no-op trigger commits nothing)
    last = api.list_repo_tree("alice/sched", repo_type="dataset")
    sizes = {e.path: e.size for e in last}
    assert sizes["b.jsonl"] == 4 and sizes["a.jsonl"] == 2


def test_discussion_comment_and_status(api: HfApi) -> None:
    api.create_repo("alice/discussed")
    d = api.create_discussion("alice/discussed", "Flag: harmful content", description="Context.")
    assert d.num == 1 and d.status == "open" and not d.is_pull_request
    comment = api.comment_discussion("alice/discussed", d.num, "Thanks, looking into it.")
    assert comment.content == "Thanks, looking into it." and comment.author == "alice"
    change = api.change_discussion_status("alice/discussed", d.num, "closed", comment="Fixed.")
    assert change.new_status == "closed"
    details = api.get_discussion_details("alice/discussed", d.num)
    kinds = [e.type for e in details.events]
    assert kinds == ["comment", "comment", "comment", "status-change"]
    assert details.status == "closed" and details.events[0].content == "Context."
    listed = list(api.get_repo_discussions("alice/discussed", discussion_status="closed"))
    assert [x.title for x in listed] == ["Flag: harmful content"]
    assert list(api.get_repo_discussions("alice/discussed", discussion_type="pull_request")) == []
    with pytest.warns(UserWarning, match="irreversible"):
        hidden = api.hide_discussion_comment("alice/discussed", d.num, comment.id)
    assert hidden.hidden
    pr = api.create_pull_request("alice/discussed", "Empty proposal")
    assert pr.is_pull_request and pr.git_reference == "refs/pr/2" and pr.status == "draft"


def test_metadata_update_pr_then_merge(api: HfApi, hub: HubServerProcess, tmp_path: Path) -> None:
    api.create_repo("alice/card")
    card = "---\nlicense: openrail\ntags:\n- text\n---\n# A model\n"
    api.upload_file(path_or_fileobj=card.encode(), path_in_repo="README.md", repo_id="alice/card")
    result = run_client(
        hub,
        tmp_path,
        """
        import json
        from huggingface_hub import HfApi, ModelCard, metadata_update
        tags = {"tags": ["text", "not-for-all-audiences"]}
        info = metadata_update("alice/card", tags, overwrite=True, create_pr=True)
        main_tags = ModelCard.load("alice/card").data.tags
        HfApi().merge_pull_request("alice/card", info.pr_num, comment="Merged, thanks")
        merged = ModelCard.load("alice/card").data.tags
        print(json.dumps({"pr_num": info.pr_num, "pr_revision": info.pr_revision,
                          "before": main_tags, "after": merged}))
        """,
    )
    assert result["pr_revision"] == f"refs/pr/{result['pr_num']}"
    assert result["before"] == ["text"]
    assert result["after"] == ["text", "not-for-all-audiences"]
    details = api.get_discussion_details("alice/card", result["pr_num"])
    assert details.status == "merged" and details.merge_commit_oid
    assert details.target_branch == "refs/heads/main"
    assert api.model_info("alice/card").sha == details.merge_commit_oid


def test_bad_token_is_401(hub: HubServerProcess) -> None:
    bad = HfApi(endpoint=hub.endpoint, token="hf_not_a_token")
    with pytest.raises(HfHubHTTPError) as err:
        bad.whoami()
    assert err.value.response.status_code == 401
    with pytest.raises(HfHubHTTPError) as err:
        bad.create_repo("alice/nope", repo_type="dataset")
    assert err.value.response.status_code == 401
    anonymous = HfApi(endpoint=hub.endpoint, token=False)
    with pytest.raises(HfHubHTTPError) as err:
        anonymous.create_repo("alice/nope", repo_type="dataset")
    assert err.value.response.status_code == 401


def test_private_repo_needs_token(api: HfApi, hub: HubServerProcess, tmp_path: Path) -> None:
    api.create_repo("alice/secret", repo_type="dataset", private=True)
    api.upload_file(
        path_or_fileobj=b"x", path_in_repo="x.txt", repo_id="alice/secret", repo_type="dataset"
    )
    anonymous = HfApi(endpoint=hub.endpoint, token=False)
    with pytest.raises(RepositoryNotFoundError):
        anonymous.dataset_info("alice/secret")
    with pytest.raises(RepositoryNotFoundError):
        hf.hf_hub_download(
            "alice/secret",
            "x.txt",
            repo_type="dataset",
            endpoint=hub.endpoint,
            token=False,
            cache_dir=tmp_path,
        )
    with pytest.raises(RepositoryNotFoundError):
        list(anonymous.get_repo_discussions("alice/secret", repo_type="dataset"))
    assert HfApi(endpoint=hub.endpoint, token=OTHER).dataset_info("alice/secret").private


def test_injected_500_then_recovery(api: HfApi, hub: HubServerProcess) -> None:
    api.create_repo("alice/flaky", repo_type="dataset")
    # The commit POST is not retried by the client: one 500 there is one failed upload.
    hub.control("500", count=1, path="/commit/")
    with pytest.raises(HfHubHTTPError) as err:
        api.upload_file(
            path_or_fileobj=b"1", path_in_repo="a.txt", repo_id="alice/flaky", repo_type="dataset"
        )
    assert err.value.response.status_code == 500
    # The fault is spent: the next upload goes through.
    api.upload_file(
        path_or_fileobj=b"1", path_in_repo="a.txt", repo_id="alice/flaky", repo_type="dataset"
    )
    # Preupload goes through http_backoff: a single 500 there is retried after ~1 s.
    faults = hub.stats()["faults"]
    hub.control("500", count=1)
    started = time.monotonic()
    api.upload_file(
        path_or_fileobj=b"2", path_in_repo="b.txt", repo_id="alice/flaky", repo_type="dataset"
    )
    assert time.monotonic() - started >= 0.9
    assert hub.stats()["faults"] == faults + 1
    assert api.list_repo_files("alice/flaky", repo_type="dataset") == [
        ".gitattributes",
        "a.txt",
        "b.txt",
    ]


def test_raw_protocol_faults_keepalive(hub: HubServerProcess) -> None:
    hub.control("429", count=1)
    conn = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=5)
    conn.request("GET", "/api/datasets/alice/none")
    resp = conn.getresponse()
    assert resp.status == 429 and resp.getheader("Retry-After") == "1"
    resp.read()
    conn.request("HEAD", "/datasets/alice/none/resolve/main/x.txt")  # same connection
    resp = conn.getresponse()
    assert resp.status == 404 and resp.getheader("X-Error-Code") == "RepoNotFound"
    assert int(resp.getheader("Content-Length")) > 0
    resp.read()
    conn.request("POST", "/api/validate-yaml", body=b'{"content": ""}')
    resp = conn.getresponse()
    assert json.loads(resp.read()) == {"errors": [], "warnings": []}
    conn.close()


def test_kill_and_restart_keeps_repos(tmp_path: Path) -> None:
    srv = HubServerProcess(tmp_path / "hub", tokens=[TOKEN]).start()
    try:
        api = HfApi(endpoint=srv.endpoint, token=TOKEN)
        api.create_repo("user1/durable", repo_type="dataset")
        sha = api.upload_file(
            path_or_fileobj=b"kept",
            path_in_repo="k.txt",
            repo_id="user1/durable",
            repo_type="dataset",
        ).oid
        port = srv.port
        srv.kill()
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(f"{srv.endpoint}/api/datasets/user1/durable", timeout=2)
        srv.restart()
        assert srv.port == port
        assert api.dataset_info("user1/durable").sha == sha
        api.delete_repo("user1/durable", repo_type="dataset")
        with pytest.raises(RepositoryNotFoundError):
            api.dataset_info("user1/durable")
    finally:
        srv.kill()
