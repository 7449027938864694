"""Rule functions of the SecureServerless pack, one module per AWS service (or concern)."""
