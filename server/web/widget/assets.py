"""The widget's static files, served under names that carry a hash of their content.

A fingerprinted name never changes meaning, so browsers may keep it for a year
(`immutable`); a new release has new names, and the page (short-lived) points to them.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

#: What may be served, by logical name (as templates ask for it) -> source file.
SOURCES = {
    "widget.js": ROOT / "widget" / "static" / "widget.js",
    "widget.css": ROOT / "widget" / "static" / "widget.css",
    "links.css": ROOT / "widget" / "static" / "links.css",
    "themes/default.css": ROOT / "themes" / "default.css",
    "themes/dark.css": ROOT / "themes" / "dark.css",
    "themes/contrast.css": ROOT / "themes" / "contrast.css",
}

THEMES = ("default", "dark", "contrast")

CACHE_FOREVER = "public, max-age=31536000, immutable"


@dataclass(frozen=True, slots=True)
class Asset:
    url_name: str  # e.g. "widget.3f2a1b9c0d.js"
    body: bytes
    media_type: str


class Assets:
    def __init__(self, prefix: str = "/w/assets/") -> None:
        self._prefix = prefix
        self._by_logical: dict[str, Asset] = {}
        self._by_url: dict[str, Asset] = {}
        for logical, path in SOURCES.items():
            body = path.read_bytes()
            digest = hashlib.sha256(body).hexdigest()[:12]
            stem, _, extension = logical.replace("/", "-").rpartition(".")
            media_type = mimetypes.guess_type(logical)[0] or "application/octet-stream"
            # Litestar adds "; charset=utf-8" to text/* types itself.
            asset = Asset(f"{stem}.{digest}.{extension}", body, media_type)
            self._by_logical[logical] = asset
            self._by_url[asset.url_name] = asset

    def url(self, logical: str) -> str:
        return self._prefix + self._by_logical[logical].url_name

    def find(self, url_name: str) -> Asset | None:
        return self._by_url.get(url_name)
