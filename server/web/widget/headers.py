"""Security headers of every widget page (DESIGN §6, issue 3).

The page may be framed only by the tenant's allowed origins (`frame-ancestors`), runs only
its own script file (no inline script, no eval), and sends no referrer: the host page's URL
can carry a campaign token, and the widget's own URLs hold a key and choices.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: An origin as CSP takes it; anything else (a space, a semicolon) could add directives.
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def widget_headers(frame_ancestors: Iterable[str]) -> dict[str, str]:
    ancestors = " ".join(o for o in frame_ancestors if _ORIGIN.fullmatch(o)) or "'none'"
    policy = "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            f"frame-ancestors {ancestors}",
        )
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }
