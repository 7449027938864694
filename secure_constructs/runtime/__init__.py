"""Lambda handler code shipped as assets (each sub-package is one asset folder; none imports aws_cdk)."""
