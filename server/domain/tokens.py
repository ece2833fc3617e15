"""Signed capability tokens: what the links in emails carry (DESIGN.md section 4).

A token says that its holder, in a `role` ("customer", "dealer", ...), may use it for a
`purpose` on a `subject` (a booking or campaign id) until it expires. It is
`b64url(payload JSON) + "." + b64url(HMAC-SHA256)`, URL-safe and unpadded, so it goes into
a path or query string as it is. The payload names the key that signed it, which lets keys
rotate: the first configured key signs, every configured key verifies.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

#: Longest token `verify` looks at; anything longer is refused before any work is done.
MAX_TOKEN_LENGTH = 4096
#: As long as the SHA-256 output: a shorter HMAC key would be the weakest link.
MIN_SECRET_BYTES = 32

# Part of every MAC, so a token can never be replayed under a future format.
_VERSION = b"bw1."
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_KID = re.compile(r"[A-Za-z0-9_-]{1,16}")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_REQUIRED_FIELDS = frozenset({"k", "p", "r", "s", "e"})
_FIELDS = _REQUIRED_FIELDS | {"d"}


@dataclass(frozen=True, slots=True)
class SigningKey:
    """An HMAC-SHA256 secret and the id tokens name it by."""

    kid: str
    # Kept out of the repr so a key never turns up in a log line or a traceback.
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not _KID.fullmatch(self.kid):
            raise ValueError("a key id must be 1 to 16 letters, digits, '-' or '_'")
        if len(self.secret) < MIN_SECRET_BYTES:
            raise ValueError(
                f"key {self.kid}: the secret is {len(self.secret)} bytes,"
                f" at least {MIN_SECRET_BYTES} are needed"
            )


def parse_keys(spec: str) -> tuple[SigningKey, ...]:
    """The keys in `"k2:<secret>,k1:<secret>"`, the form of `BOOKWIDGET_SECRET_KEYS`.

    Secrets are URL-safe base64 with or without padding. The first key signs new tokens;
    keep an old key after it for as long as links signed with it should keep working.
    Error messages name the entry and the key id, never any part of a secret.
    """
    if not spec.strip():
        raise ValueError("no signing keys: expected 'kid:secret', several separated by ','")
    entries = spec.split(",")
    keys: list[SigningKey] = []
    for number, entry in enumerate(entries, start=1):
        where = f"signing key {number} of {len(entries)}"
        kid, colon, encoded = (part.strip() for part in entry.partition(":"))
        if not entry.strip():
            raise ValueError(f"{where} is empty (a stray ',')")
        if not colon:
            raise ValueError(f"{where} has no ':' between key id and secret")
        if not _KID.fullmatch(kid):
            raise ValueError(f"{where}: the key id must be 1 to 16 letters, digits, '-' or '_'")
        if any(key.kid == kid for key in keys):
            raise ValueError(f"{where}: the key id {kid} is used twice")
        secret = _b64decode(encoded.rstrip("="))
        if secret is None:
            raise ValueError(f"{where} ({kid}): the secret is not URL-safe base64")
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(
                f"{where} ({kid}): the secret is {len(secret)} bytes,"
                f" at least {MIN_SECRET_BYTES} are needed"
            )
        keys.append(SigningKey(kid, secret))
    return tuple(keys)


def generate_key(kid: str) -> SigningKey:
    """A new key with a random 32-byte secret."""
    return SigningKey(kid, secrets.token_bytes(MIN_SECRET_BYTES))


def format_keys(keys: Iterable[SigningKey]) -> str:
    """The text `parse_keys` reads back as the same keys, in the same order."""
    return ",".join(f"{key.kid}:{_b64encode(key.secret)}" for key in keys)


@dataclass(frozen=True, slots=True)
class Claims:
    """What a token grants. `expires_at` is kept in UTC and, like the token, whole seconds."""

    purpose: str
    role: str
    subject: str
    expires_at: datetime
    data: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not (self.purpose and self.role and self.subject):
            raise ValueError("purpose, role and subject must not be empty")
        if self.expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")
        # Rounded down, so a link never lives longer than asked for.
        expires_at = self.expires_at.astimezone(UTC).replace(microsecond=0)
        object.__setattr__(self, "expires_at", expires_at)
        # A private read-only copy: the claims must not change under the caller's dict.
        object.__setattr__(self, "data", MappingProxyType(dict(self.data)))


class TokenError(Exception):
    """A link that cannot be used. The message is fit to show the person who followed it."""


class MalformedToken(TokenError):
    """`reason` says what is wrong, for the log; the message is for people."""

    def __init__(self, reason: str) -> None:
        super().__init__("This link is incomplete or damaged.")
        self.reason = reason


class UnknownKey(TokenError):
    def __init__(self, kid: str) -> None:
        super().__init__("This link was signed with a key that is no longer in use.")
        self.kid = kid


class BadSignature(TokenError):
    def __init__(self) -> None:
        super().__init__("This link has been altered since it was sent.")


class ExpiredToken(TokenError):
    """Carries the verified claims, so the page can still say which booking it was for."""

    def __init__(self, claims: Claims) -> None:
        super().__init__(f"This link expired on {claims.expires_at:%Y-%m-%d at %H:%M} UTC.")
        self.claims = claims


class WrongPurpose(TokenError):
    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(f"This link is for {actual}, not for {expected}.")
        self.expected = expected
        self.actual = actual


class WrongRole(TokenError):
    def __init__(self, expected: Collection[str], actual: str) -> None:
        super().__init__(f"This link is for a {actual}, not for a {' or '.join(sorted(expected))}.")
        self.expected = expected
        self.actual = actual


def sign(claims: Claims, keys: Sequence[SigningKey]) -> str:
    """A token for `claims`, signed with the first of `keys`."""
    if not keys:
        raise ValueError("no signing key configured")
    key = keys[0]
    payload: dict[str, Any] = {
        "k": key.kid,
        "p": claims.purpose,
        "r": claims.role,
        "s": claims.subject,
        "e": (claims.expires_at - _EPOCH) // timedelta(seconds=1),
    }
    if claims.data:
        payload["d"] = dict(claims.data)
    body = _b64encode(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    token = f"{body}.{_b64encode(_mac(key, body))}"
    if len(token) > MAX_TOKEN_LENGTH:
        # Better refused now than sent out as a link that can never be opened.
        raise ValueError(f"token of {len(token)} characters; verify accepts {MAX_TOKEN_LENGTH}")
    return token


def verify(
    token: str,
    keys: Sequence[SigningKey],
    *,
    purpose: str,
    roles: Collection[str],
    now: datetime,
) -> Claims:
    """The claims of `token` if it is genuine, for `purpose`, for one of `roles`, and unexpired.

    Raises a `TokenError` subclass, and nothing else, for any string whatsoever. Purpose and
    role are checked before expiry, so the claims an `ExpiredToken` carries are always of
    the kind the caller asked for.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if isinstance(roles, str):  # a str is a Collection[str] too: "customer" holds "cust"
        raise TypeError("roles must be a collection of role names, not a single string")
    if len(token) > MAX_TOKEN_LENGTH:
        raise MalformedToken("too long")
    if not token.isascii():
        raise MalformedToken("unexpected characters")
    body, dot, signature = token.partition(".")
    if not dot:
        raise MalformedToken("no signature")
    payload = _decode_payload(body)
    # The key id is the one thing read before the signature is checked: it says which
    # key to check it with.
    kid = payload.get("k")
    if not isinstance(kid, str):
        raise MalformedToken("no key id")
    key = next((key for key in keys if key.kid == kid), None)
    if key is None:
        raise UnknownKey(kid)
    # Compared as text: a signature spelled differently is refused even where base64
    # would decode it to the same bytes, so each set of claims has exactly one token.
    if not hmac.compare_digest(_b64encode(_mac(key, body)), signature):
        raise BadSignature()
    claims = _claims(payload)
    if claims.purpose != purpose:
        raise WrongPurpose(purpose, claims.purpose)
    if claims.role not in roles:
        raise WrongRole(roles, claims.role)
    if now >= claims.expires_at:
        raise ExpiredToken(claims)
    return claims


def _mac(key: SigningKey, body: str) -> bytes:
    return hmac.new(key.secret, _VERSION + body.encode("ascii"), hashlib.sha256).digest()


def _decode_payload(body: str) -> dict[str, Any]:
    raw = _b64decode(body)
    if not raw or _b64encode(raw) != body:
        raise MalformedToken("not base64")
    try:
        payload = json.loads(raw.decode("ascii"))
    # RecursionError: a few thousand "[" nest deeper than the JSON parser will go.
    except (ValueError, RecursionError):
        raise MalformedToken("not JSON") from None
    if not isinstance(payload, dict):
        raise MalformedToken("not a JSON object")
    return payload


def _claims(payload: dict[str, Any]) -> Claims:
    """The claims of a payload already known to be signed by us, its types checked anyway."""
    if not _REQUIRED_FIELDS <= payload.keys() <= _FIELDS:
        raise MalformedToken("wrong fields")
    texts = payload["p"], payload["r"], payload["s"]
    expires, data = payload["e"], payload.get("d", {})
    # `type() is int` because JSON `true` arrives as a bool, which is an int subclass.
    if not all(isinstance(text, str) for text in texts) or type(expires) is not int:
        raise MalformedToken("wrong field types")
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise MalformedToken("wrong data types")
    try:
        return Claims(*texts, _EPOCH + timedelta(seconds=expires), data)
    except (OverflowError, ValueError):
        raise MalformedToken("impossible values") from None


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes | None:
    """The bytes of unpadded URL-safe base64, or None; strict, unlike the base64 module."""
    # urlsafe_b64decode skips characters outside the alphabet instead of failing.
    if not _BASE64URL.fullmatch(text):
        return None
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error:  # a length of 4n + 1 characters
        return None
