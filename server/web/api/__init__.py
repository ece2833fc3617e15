"""Public API v1 (DESIGN §7)."""
