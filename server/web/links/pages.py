"""The pages behind the links in emails: `/manage/{token}` (customer), `/dealer/{token}`.

GET never changes anything (DESIGN §4): mail scanners open every link, some run the page's
script. A GET shows the booking as it is now and the actions open now, as forms that POST.
A POST does the action, then redirects back (303) to the page, which says what happened;
sending the same POST twice is harmless. A link that cannot be used (damaged, signed with a
retired key, expired) gets a page that offers a fresh one by email.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.params import HeaderParameter, PathParameter
from msgspec import Meta, Struct

from server.adapters import repository
from server.adapters.locking import write_transaction
from server.domain.ics import calendar_file
from server.domain.lifecycle import Action, Side
from server.domain.mail import MailKind, Role
from server.domain.model import Channel
from server.domain.reference import normalize_reference
from server.domain.tokens import (
    MAX_TOKEN_LENGTH,
    BadSignature,
    Claims,
    ExpiredToken,
    MalformedToken,
    TokenError,
    UnknownKey,
)
from server.services.availability import free_slots_between
from server.services.emails import calendar_event
from server.services.errors import InvalidInput, NotFound, ServiceError
from server.services.lifecycle import MAX_NOTE, act
from server.services.links import (
    PAGE_PATHS,
    appointment_ends,
    link_expiry,
    verify_booking_token,
)
from server.services.notifications import dealer_recipients, mail_facts, queue_fresh_link
from server.services.texts import pick_locale
from server.web.context import Context
from server.web.links.view import PICKER_DAYS, Picker, page_context, time_picker
from server.web.widget.errors import N_, shared_assets
from server.web.widget.rendering import gettext, render

Token = Annotated[
    str, PathParameter(min_length=3, max_length=MAX_TOKEN_LENGTH, pattern=r"^[A-Za-z0-9_.-]+$")
]
AcceptLanguage = Annotated[str | None, HeaderParameter(name="accept-language", max_length=500)]
Note = Annotated[str, Meta(max_length=MAX_NOTE)]


class ActionForm(Struct, forbid_unknown_fields=False):
    """The fields of an action's form; `start` only for a reschedule."""

    action: Action
    reason: Note = ""
    message: Note = ""
    start: datetime | None = None


class FreshLinkForm(Struct, forbid_unknown_fields=False):
    token: Annotated[str, Meta(max_length=MAX_TOKEN_LENGTH)] = ""
    reference: Annotated[str, Meta(max_length=20)] = ""
    email: Annotated[str, Meta(max_length=254)] = ""


def page_headers() -> dict[str, str]:
    """Like the widget's, but these pages are never framed, indexed or cached: their URLs
    carry a capability, so no referrer either."""
    policy = "; ".join(
        (
            "default-src 'none'",
            "style-src 'self'",
            "img-src 'self' data:",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        )
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "X-Robots-Tag": "noindex, nofollow",
    }


class BookingPages(Controller):
    include_in_schema = False

    @get("/manage/{token:str}")
    async def customer_page(
        self, ctx: Context, request: Request[Any, Any, Any], token: Token, lang: AcceptLanguage
    ) -> Response[str]:
        return await _page(ctx, request, Side.CUSTOMER, token, lang)

    @get("/dealer/{token:str}")
    async def dealer_page(
        self, ctx: Context, request: Request[Any, Any, Any], token: Token, lang: AcceptLanguage
    ) -> Response[str]:
        return await _page(ctx, request, Side.DEALER, token, lang)

    @post("/manage/{token:str}", status_code=303)
    async def customer_action(
        self, ctx: Context, request: Request[Any, Any, Any], token: Token, lang: AcceptLanguage
    ) -> Response[str]:
        return await _action(ctx, request, Side.CUSTOMER, token, lang)

    @post("/dealer/{token:str}", status_code=303)
    async def dealer_action(
        self, ctx: Context, request: Request[Any, Any, Any], token: Token, lang: AcceptLanguage
    ) -> Response[str]:
        return await _action(ctx, request, Side.DEALER, token, lang)

    @get("/manage/{token:str}/calendar.ics")
    async def customer_calendar(
        self, ctx: Context, request: Request[Any, Any, Any], token: Token, lang: AcceptLanguage
    ) -> Response[Any]:
        return await _calendar(ctx, request, Side.CUSTOMER, token, lang)

    @get("/dealer/{token:str}/calendar.ics")
    async def dealer_calendar(
        self, ctx: Context, request: Request[Any, Any, Any], token: Token, lang: AcceptLanguage
    ) -> Response[Any]:
        return await _calendar(ctx, request, Side.DEALER, token, lang)

    @post("/links/fresh", status_code=200)
    async def fresh_link(
        self, ctx: Context, request: Request[Any, Any, Any], lang: AcceptLanguage
    ) -> Response[str]:
        form = await request.form()
        locale = pick_locale(None, lang, "en")
        try:
            data = msgspec.convert({k: str(form.get(k, "")) for k in form}, FreshLinkForm)
        except msgspec.ValidationError:
            data = FreshLinkForm()
        async with write_transaction(ctx.engine):
            await _send_fresh_link(data, ctx)
        ctx.changes_written()
        return _html(locale, "links/fresh_sent.html", {}, status=200)


async def _page(
    ctx: Context,
    request: Request[Any, Any, Any],
    side: Side,
    token: str,
    lang: str | None,
    *,
    error: str = "",
    status: int = 200,
) -> Response[str]:
    now = ctx.clock.now()
    claims = await _claims_or_none(token, side, ctx, now, lang)
    if isinstance(claims, Response):
        return claims
    booking, location = await _booking(claims.subject)
    query = request.query_params
    done = _action_or_none(query.get("done", ""))
    do = query.get("do", "")
    choose = None
    if do == Action.RESCHEDULE.value:
        choose = await _picker(ctx, booking, location, query.get("date", ""), now)
    context = page_context(
        booking=booking,
        location=location,
        events=await repository.events_of(booking["id"]),
        side=side,
        now=now,
        page_url=f"{PAGE_PATHS[side.value]}/{token}",
        done=done,
        again=query.get("again") == "1",
        do=do,
        error=error,
        picker=choose,
    )
    return _html(booking["locale"], "links/booking.html", context, status=status)


async def _action(
    ctx: Context, request: Request[Any, Any, Any], side: Side, token: str, lang: str | None
) -> Response[str]:
    now = ctx.clock.now()
    claims = await _claims_or_none(token, side, ctx, now, lang)
    if isinstance(claims, Response):
        return claims
    form = await request.form()
    values = {name: str(form.get(name, "")) for name in form if str(form.get(name, ""))}
    try:
        data = msgspec.convert(values, ActionForm, strict=False)
    except msgspec.ValidationError:
        return await _page(
            ctx, request, side, token, lang, error=N_("Please check the form."), status=422
        )
    if data.action is Action.RESCHEDULE and (data.start is None or data.start.tzinfo is None):
        return await _page(
            ctx, request, side, token, lang, error=N_("Please choose a new time."), status=422
        )
    try:
        outcome = await act(
            claims.subject,
            side,
            data.action,
            via="link",
            engine=ctx.engine,
            stores=ctx.stores,
            now=now,
            # For an answer to a proposal: the proposed start the page showed.
            new_start=data.start,
            reason=data.reason.strip(),
            message=data.message.strip(),
        )
    except ServiceError as refused:
        status = 422 if isinstance(refused, InvalidInput) else 409
        return await _page(ctx, request, side, token, lang, error=refused.detail, status=status)
    ctx.changes_written()
    query = {"done": data.action.value} | ({} if outcome.changed else {"again": "1"})
    location = f"{PAGE_PATHS[side.value]}/{token}?{urlencode(query)}"
    return Response("", status_code=303, headers={"Location": location} | page_headers())


async def _calendar(
    ctx: Context, request: Request[Any, Any, Any], side: Side, token: str, lang: str | None
) -> Response[Any]:
    now = ctx.clock.now()
    claims = await _claims_or_none(token, side, ctx, now, lang)
    if isinstance(claims, Response):
        return claims
    booking, location = await _booking(claims.subject)
    tenant = await repository.tenant_row(booking["tenant"])
    facts = mail_facts(booking, location, tenant, kind=MailKind.CONFIRMED, role=side.value, to="")
    page_url = f"{ctx.settings.public_url}{PAGE_PATHS[side.value]}/{token}"
    body = calendar_file(calendar_event(facts, page_url), now)
    return Response(
        body,
        media_type="text/calendar",
        headers=page_headers()
        | {"Content-Disposition": f'attachment; filename="{booking["reference"]}.ics"'},
    )


async def _claims_or_none(
    token: str, side: Side, ctx: Context, now: datetime, lang: str | None
) -> Claims | Response[str]:
    """The link's claims, or the page that explains why it cannot be used."""
    role: Role = side.value
    locale = pick_locale(None, lang, "en")
    try:
        return verify_booking_token(token, ctx.settings.signing_keys, now, roles=(role,))
    except ExpiredToken as expired:
        # Signed for the appointment's end when it was sent; the appointment may have
        # moved later since (the dealer's own move sends them no new link).
        if await _still_ahead(expired.claims, role, now):
            return expired.claims
        return _invalid(locale, N_("This link has expired"), token=token, status=410)
    except UnknownKey:
        return _invalid(locale, N_("This link is no longer valid"), status=403)
    except (BadSignature, MalformedToken):
        return _invalid(locale, N_("This link is damaged"), status=403)
    except TokenError:
        return _invalid(locale, N_("This link is not meant for this page"), status=403)


async def _still_ahead(claims: Claims, role: Role, now: datetime) -> bool:
    booking = await repository.booking_by_reference(claims.subject)
    if booking is None:
        return False
    ends = appointment_ends(booking["end_at"], booking["proposed_end_at"])
    return now < link_expiry(role, ends)


def _invalid(locale: str, title: str, *, token: str = "", status: int) -> Response[str]:
    """An expired link still names its booking, so its form needs only a press; any other
    asks for the reference and the email address the booking was made with."""
    context = {"title": gettext(locale, title), "token": token}
    return _html(locale, "links/invalid.html", context, status)


async def _booking(reference: str) -> tuple[dict[str, Any], dict[str, Any]]:
    booking = await repository.booking_by_reference(reference)
    if booking is None:
        raise NotFound("There is no such booking.", code="unknown_booking")
    location = await repository.location_row(booking["location"])
    assert location is not None
    return booking, location


async def _picker(
    ctx: Context, booking: dict[str, Any], location: dict[str, Any], day: str, now: datetime
) -> Picker:
    store = await ctx.stores.get(location["id"])
    tz = store.time_zone
    first = now.astimezone(tz).date()
    slots = await free_slots_between(
        store,
        Channel(booking["channel"]),
        first,
        first + PICKER_DAYS - timedelta(days=1),
        now,
        booking=booking["id"],
    )
    current = booking["start_at"]
    slots = [slot for slot in slots if slot.start != current]
    try:
        chosen: date | None = date.fromisoformat(day)
    except ValueError:
        chosen = None
    return time_picker(slots, tz, booking["locale"], chosen)


async def _send_fresh_link(data: FreshLinkForm, ctx: Context) -> None:
    """Queue a fresh link when the request names a booking; say nothing about whether it
    did, so the form cannot be used to find out which references and addresses exist."""
    now = ctx.clock.now()
    claims: Claims | None = None
    if data.token:
        try:
            claims = verify_booking_token(data.token, ctx.settings.signing_keys, now)
        except ExpiredToken as expired:
            claims = expired.claims  # genuine, only old: the booking it names is known
        except TokenError:
            claims = None
    if claims is not None:
        booking = await repository.booking_by_reference(claims.subject)
        if booking is not None:
            await queue_fresh_link(
                booking, "dealer" if claims.role == "dealer" else "customer", now
            )
        return
    reference = normalize_reference(data.reference)
    email = data.email.strip().lower()
    booking = await repository.booking_by_reference(reference) if reference else None
    if booking is None or not email:
        return
    if email == booking["customer_email"].lower():
        await queue_fresh_link(booking, "customer", now)
        return
    location = await repository.location_row(booking["location"])
    tenant = await repository.tenant_row(booking["tenant"])
    assert location is not None
    if email in {a.lower() for a in await dealer_recipients(booking, location, tenant)}:
        await queue_fresh_link(booking, "dealer", now)


def _action_or_none(value: str) -> Action | None:
    try:
        return Action(value)
    except ValueError:
        return None


def _html(locale: str, template: str, context: dict[str, Any], status: int) -> Response[str]:
    context = {"locale": locale, "asset": shared_assets().url} | context
    return Response(
        render(locale, template, context),
        status_code=status,
        media_type=MediaType.HTML,
        headers=page_headers(),
    )
