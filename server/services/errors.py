"""Errors a service raises; the web layer maps each class to one HTTP status and the one
error shape `{"error": code, "detail": text, "fields": {...}}`."""

from __future__ import annotations

from collections.abc import Mapping


class ServiceError(Exception):
    code = "error"

    def __init__(
        self, detail: str, *, code: str | None = None, fields: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.code
        self.fields = dict(fields or {})


class NotFound(ServiceError):
    code = "not_found"


class InvalidInput(ServiceError):
    """The request is well-formed but its content is not acceptable (422)."""

    code = "invalid_input"


class Conflict(ServiceError):
    """The request was fine but the world moved: the slot is taken (409)."""

    code = "conflict"


class Forbidden(ServiceError):
    code = "forbidden"


class AlreadyBooked(Conflict):
    """The hold named in a booking was used by a booking already (the form was sent twice)."""

    def __init__(self, reference: str) -> None:
        super().__init__(
            f"This appointment is booked already, with the reference {reference}.",
            code="already_booked",
        )
        self.reference = reference
