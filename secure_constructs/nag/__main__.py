"""``python -m secure_constructs.nag check TEMPLATE.json [...] [--format json]`` (see ``_cli``)."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
