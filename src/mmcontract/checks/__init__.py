"""Contract checks: Schemathesis's built-ins plus ours, each with a stable code (see catalogue)."""
