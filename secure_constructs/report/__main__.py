"""``python -m secure_constructs.report [CDK_OUT]``: write the security report next to the templates.
``python -m secure_constructs.report diff OLD_CDK_OUT NEW_CDK_OUT [--format text|md|json]``: the security
diff of two cloud assemblies (exit 1 when anything got weaker)."""

from __future__ import annotations

import sys

from ..errors import SecureConstructsError
from . import write_security_report


def main(argv: list[str]) -> int:
    if len(argv) > 1 and argv[1] == "diff":
        from .diff import main as diff_main

        return diff_main(argv[2:])
    outdir = argv[1] if len(argv) > 1 else "cdk.out"
    try:
        md_path, html_path, summary = write_security_report(outdir)
    except SecureConstructsError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"Security report: {md_path}")
    print(f"                 {html_path}")
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
