"""Regenerate the docs that are generated from code (``make docs``); tests fail when they are stale."""

import pathlib

from secure_constructs.errors import codes_markdown
from secure_constructs.hardening._classes import resource_types
from secure_constructs.hardening._replacement import render_data
from secure_constructs.nag._docs import rules_markdown

ROOT = pathlib.Path(__file__).resolve().parent.parent

GENERATED = {
    ROOT / "docs" / "ERRORS.md": codes_markdown,
    ROOT / "RULES.md": rules_markdown,
    ROOT / "secure_constructs" / "hardening" / "_replacement_data.py": lambda: render_data(resource_types()),
}


def main() -> None:
    for path, render in GENERATED.items():
        path.write_text(render(), encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
