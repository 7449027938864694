"""Synthesize every CDK example into OUTDIR/<example>/ in one process (for test_examples_validate.py).

Exit status 1 when any example has an unacknowledged finding of any validation plugin, including aws-cdk-lib's
built-in CloudFormation validator when CDK_VALIDATION is not "false".
"""

import pathlib
import sys

from examples_support import cdk_examples, synth_example


def main(outdir: str) -> int:
    failed = 0
    for path in cdk_examples():
        result, _ = synth_example(path, pathlib.Path(outdir) / path.stem)
        for finding in result.violations:
            failed += 1
            print(f"{path.stem}: {finding['plugin']}: {finding.rule} at {finding.path}: "
                  f"{finding['description']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
