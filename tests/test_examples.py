"""Every example synthesizes with all checks on, with no unacknowledged finding, and matches its snapshot."""

import pytest
from examples_support import cdk_examples, synth_example
from syrupy.extensions.json import JSONSnapshotExtension

from secure_constructs.acknowledgments import check_reason
from secure_constructs.testing import normalize

EXAMPLES = cdk_examples()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_passes_every_check_and_matches_snapshot(path, tmp_path, snapshot):
    result, templates = synth_example(path, tmp_path / "cdk.out")
    assert result.violations == [], f"unacknowledged findings:\n{result.format()}"
    for finding in result.suppressed:
        check_reason(finding.path, finding["reason"], f"acknowledgment of {finding.rule}")  # raises if vague
    assert templates, "the example produced no stack"
    for name, template in templates.items():
        assert normalize(template) == snapshot(name=name, extension_class=JSONSnapshotExtension)
