"""The booking pages behind the signed links in emails (DESIGN §4)."""
