"""The README is the user's manual: its Space front matter is valid and its API example
runs as written against the real app."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from apprunner import REPO, start_app

README = REPO / "README.md"


def front_matter() -> dict:
    text = README.read_text(encoding="utf-8")
    match = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    assert match, "README.md must start with the Space's YAML front matter"
    return yaml.safe_load(match.group(1))


def pinned(package: str) -> str:
    for line in (REPO / "requirements.txt").read_text().splitlines():
        name, _, version = line.partition("==")
        if re.sub(r"\[.*\]", "", name).strip().lower() == package:
            return version.strip()
    raise AssertionError(f"{package} is not pinned in requirements.txt")


def test_front_matter_makes_a_gradio_space() -> None:
    meta = front_matter()
    assert meta["sdk"] == "gradio"
    assert meta["sdk_version"] == pinned("gradio")
    assert (REPO / meta["app_file"]).is_file()
    assert meta["hf_oauth"] is True
    assert meta["title"] and meta["emoji"] and meta["license"]
    assert len(meta["short_description"]) <= 60  # the Hub's limit


def python_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    return [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "gradio_client" in b]


@pytest.mark.slow
def test_api_example_runs_as_written(tmp_path: Path) -> None:
    blocks = python_blocks()
    assert blocks, "the README's API example is missing"
    accounts = {"alice": "alice-password", "mod-ana": "mod-password"}
    app = start_app(tmp_path, accounts=accounts, moderators="mod-ana")
    try:
        for block in blocks:
            code = block.replace("http://127.0.0.1:7860", app.url)
            namespace: dict = {}
            exec(compile(code, "README.md", "exec"), namespace)
        assert re.fullmatch(r"R-[0-9a-f]+", namespace["report_id"])
        assert namespace["state"]["visibility"] == "downgraded"
        assert namespace["found"]["total"] >= 1
        assert namespace["access"]["status"] == "approved"
    finally:
        app.stop()


def test_every_setting_is_documented_in_the_configuration_section() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    source = (REPO / "safeguards" / "config.py").read_text(encoding="utf-8")
    settings = set(re.findall(r'"((?:SAFEGUARDS|GRADIO_SERVER)_[A-Z_]+)"', source))
    assert settings, "no settings found in safeguards/config.py"
    missing = sorted(name for name in settings if f"`{name}`" not in section)
    assert not missing, f"settings missing from the README's Configuration section: {missing}"
