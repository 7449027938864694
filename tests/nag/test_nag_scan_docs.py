"""docs/scanner.md shows real runs: each ``console`` block's command is run again and must print the same."""

from __future__ import annotations

import pathlib
import re
import shlex
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"```console\n\$ (?P<command>[^\n]+)\n(?P<output>.*?)\n\[exit (?P<code>\d)\]\n```", re.S)


def blocks() -> list[tuple[str, str, int]]:
    text = (ROOT / "docs" / "scanner.md").read_text()
    return [(m["command"], m["output"], int(m["code"])) for m in BLOCK.finditer(text)]


def test_the_page_has_examples_on_yaml_and_sam():
    commands = [command for command, _, _ in blocks()]
    assert any("short_forms.yaml" in c for c in commands) and any("sam_api.yaml" in c for c in commands)


@pytest.mark.parametrize(("command", "output", "code"), blocks(), ids=lambda v: str(v)[:40])
def test_example_output_is_what_the_cli_prints(command, output, code):
    argv = shlex.split(command)
    assert argv[:3] == ["python", "-m", "secure_constructs.nag"]
    done = subprocess.run(
        [sys.executable, *argv[1:]], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert (done.stdout + done.stderr).rstrip("\n") == output
    assert done.returncode == code
