"""Templates for the scanner's tests and benchmark, generated from the examples' committed snapshots."""

from __future__ import annotations

import json
import pathlib
import re
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[2]
SNAPSHOTS = ROOT / "tests" / "__snapshots__" / "test_examples"
FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"


def example_templates() -> dict[str, dict[str, Any]]:
    """{example stack: template} from the committed snapshots (each example synthesizes clean)."""
    out = {}
    for path in sorted(SNAPSHOTS.glob("*.json")):
        name = re.search(r"\]\[([^\]]+)\]\.json$", path.name)
        out[name.group(1) if name else path.stem] = json.loads(path.read_text(encoding="utf-8"))
    return out


def generated_template(resources: int) -> dict[str, Any]:
    """A template of exactly ``resources`` resources: the examples' resources, copied with renamed logical
    ids (references renamed with them) until the count is reached."""
    sources = list(example_templates().values())
    out: dict[str, Any] = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}
    copy = 0
    while len(out["Resources"]) < resources:
        for template in sources:
            ids = sorted(template["Resources"], key=len, reverse=True)
            text = json.dumps(template["Resources"])
            text = re.sub(
                r'"(' + "|".join(map(re.escape, ids)) + r')(?=["\.])',
                lambda m, c=copy: f'"{m.group(1)}C{c}',
                text,
            )
            text = re.sub(
                r"\$\{(" + "|".join(map(re.escape, ids)) + r")([.}])",
                lambda m, c=copy: f"${{{m.group(1)}C{c}{m.group(2)}",
                text,
            )
            for logical_id, resource in json.loads(text).items():
                if len(out["Resources"]) == resources:
                    break
                out["Resources"][logical_id] = resource
            copy += 1
    return out
