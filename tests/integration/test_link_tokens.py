"""Links that cannot be used each get the page that says why and how to get a fresh one:
damaged, expired, for the other side, or signed with a key that was retired.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import pytest

from server.domain.tokens import Claims, format_keys, generate_key, parse_keys, sign
from server.services.links import booking_token
from server.web.app import create_app
from tests.conftest import MONDAY_MORNING, TEST_KEYS, Database
from tests.fakes import FrozenClock
from tests.links_flow import (
    CUSTOMER,
    SHOP,
    THURSDAY_10,
    TUESDAY_10,
    Client,
    Flow,
    Shops,
    booking_page,
    kind_of,
    load_shops,
)
from tests.mail import MailRig, kinds, only

#: The end of the booked appointment: dealer links expire then, customer links 30 days later.
TUESDAY_11 = TUESDAY_10 + timedelta(hours=1)
SECOND = timedelta(seconds=1)
#: A key put in front of the test key when keys rotate.
NEW_KEY = format_keys([generate_key("t2")])


@dataclasses.dataclass(frozen=True)
class Booked:
    reference: str
    customer_page: str
    dealer_page: str


@pytest.fixture
async def booked(client: Client, db: Database, mail: MailRig) -> Booked:
    """A request, its two mails delivered: the customer's and the dealer's page."""
    shops: Shops = await load_shops(db)
    flow = Flow(client, mail)
    reference = await flow.book(shops.key, shops.request, TUESDAY_10)
    sent = await flow.deliver("requested", reference)
    return Booked(
        reference,
        customer_page=booking_page(only(sent, CUSTOMER, "customer.requested")),
        dealer_page=booking_page(only(sent, SHOP, "dealer.requested")),
    )


def with_token(page: str, token: str) -> str:
    return f"{page.rsplit('/', 1)[0]}/{token}"


def token_of(page: str) -> str:
    return page.rsplit("/", 1)[1]


def signature_changed(token: str) -> str:
    body, signature = token.split(".")
    middle = len(signature) // 2
    other = "B" if signature[middle] != "B" else "C"
    return f"{body}.{signature[:middle]}{other}{signature[middle + 1 :]}"


def role_changed(token: str) -> str:
    """The payload rewritten to grant the dealer's side, the signature left as it was."""
    body, signature = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["r"] = "dealer"
    forged = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode())
    return f"{forged.decode().rstrip('=')}.{signature}"


DAMAGE = {
    "one character of the signature changed": signature_changed,
    "the signature cut short": lambda token: token[:-6],
    "cut off before the signature": lambda token: token.split(".")[0][:30],
    "the payload rewritten": role_changed,
}


async def status_of(client: Client, booked: Booked) -> str:
    page = await client.get(booked.customer_page)
    assert page.status_code == 200, page.text
    return page.text.split('data-status="', 1)[1].split('"', 1)[0]


def asks_for_reference_and_email(page: httpx.Response) -> bool:
    html = page.text
    return (
        'action="/links/fresh"' in html
        and 'name="reference"' in html
        and 'name="email"' in html
        and 'name="token"' not in html
    )


def offers_one_press_fresh_link(page: httpx.Response, token: str) -> bool:
    html = page.text
    return (
        'action="/links/fresh"' in html
        and f'name="token" value="{token}"' in html
        and 'name="reference"' not in html
    )


# Damaged links.


@pytest.mark.parametrize("damage", list(DAMAGE))
async def test_a_damaged_link_gets_a_403_page_asking_for_reference_and_email(
    damage: str, client: Client, booked: Booked
) -> None:
    page = with_token(booked.customer_page, DAMAGE[damage](token_of(booked.customer_page)))
    shown = await client.get(page)
    assert shown.status_code == 403
    assert "This link is damaged" in shown.text
    assert booked.reference not in shown.text
    assert asks_for_reference_and_email(shown)


async def test_a_damaged_dealer_link_cannot_decline_the_request(
    client: Client, booked: Booked, mail: MailRig
) -> None:
    page = with_token(booked.dealer_page, signature_changed(token_of(booked.dealer_page)))
    sent = await client.post(page, data={"action": "decline", "reason": "forged"})
    assert sent.status_code == 403
    assert "This link is damaged" in sent.text
    assert await status_of(client, booked) == "requested"
    assert await mail.deliver() == []


# Links for the other side.


async def test_a_customer_link_on_the_dealer_page_is_not_meant_for_it(
    client: Client, booked: Booked
) -> None:
    page = with_token(booked.dealer_page, token_of(booked.customer_page))
    shown = await client.get(page)
    assert shown.status_code == 403
    assert "This link is not meant for this page" in shown.text
    assert asks_for_reference_and_email(shown)


async def test_a_customer_cannot_confirm_their_own_request_through_the_dealer_page(
    client: Client, booked: Booked, mail: MailRig
) -> None:
    page = with_token(booked.dealer_page, token_of(booked.customer_page))
    sent = await client.post(page, data={"action": "confirm"})
    assert sent.status_code == 403
    assert await status_of(client, booked) == "requested"
    assert await mail.deliver() == []


async def test_a_genuine_link_made_for_another_purpose_is_not_meant_for_this_page(
    client: Client, booked: Booked, db: Database
) -> None:
    claims = Claims(
        purpose="campaign", role="customer", subject=booked.reference, expires_at=TUESDAY_11
    )
    page = with_token(booked.customer_page, sign(claims, db.settings.signing_keys))
    shown = await client.get(page)
    assert shown.status_code == 403
    assert "This link is not meant for this page" in shown.text


async def test_a_dealer_link_on_the_customer_page_is_not_meant_for_it(
    client: Client, booked: Booked
) -> None:
    page = with_token(booked.customer_page, token_of(booked.dealer_page))
    shown = await client.get(page)
    assert shown.status_code == 403
    assert "This link is not meant for this page" in shown.text


# Expired links.


async def test_a_dealer_link_works_until_the_appointment_ends_then_gets_a_410_page(
    client: Client, booked: Booked, clock: FrozenClock
) -> None:
    clock.set(TUESDAY_11 - SECOND)
    assert (await client.get(booked.dealer_page)).status_code == 200
    clock.set(TUESDAY_11)
    shown = await client.get(booked.dealer_page)
    assert shown.status_code == 410
    assert "This link has expired" in shown.text
    assert offers_one_press_fresh_link(shown, token_of(booked.dealer_page))


async def test_an_expired_dealer_link_can_no_longer_confirm(
    client: Client, booked: Booked, clock: FrozenClock, mail: MailRig
) -> None:
    clock.set(TUESDAY_11)
    sent = await client.post(booked.dealer_page, data={"action": "confirm"})
    assert sent.status_code == 410
    clock.set(MONDAY_MORNING)
    assert await status_of(client, booked) == "requested"
    assert await mail.deliver() == []


async def test_a_dealer_who_moved_the_appointment_later_can_still_open_it_from_their_email(
    client: Client, booked: Booked, clock: FrozenClock, mail: MailRig
) -> None:
    moved = await client.post(
        booked.dealer_page,
        data={"action": "reschedule", "start": THURSDAY_10.isoformat()},
    )
    assert moved.status_code == 303
    assert kinds(await mail.deliver()) == [(CUSTOMER, "customer.rescheduled")]
    clock.set(TUESDAY_11 + timedelta(hours=2))  # the old time is over, the new one ahead
    assert (await client.get(booked.dealer_page)).status_code == 200


async def test_the_expired_link_page_speaks_the_readers_language(
    client: Client, booked: Booked, clock: FrozenClock
) -> None:
    clock.set(TUESDAY_11)
    shown = await client.get(booked.dealer_page, headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert shown.status_code == 410
    assert "Dieser Link ist abgelaufen" in shown.text


async def test_a_customer_link_works_for_30_days_after_the_appointment_then_gets_a_410_page(
    client: Client, booked: Booked, clock: FrozenClock
) -> None:
    clock.set(TUESDAY_11 + timedelta(days=30) - SECOND)
    assert (await client.get(booked.customer_page)).status_code == 200
    clock.set(TUESDAY_11 + timedelta(days=30))
    shown = await client.get(booked.customer_page)
    assert shown.status_code == 410
    assert "This link has expired" in shown.text
    assert offers_one_press_fresh_link(shown, token_of(booked.customer_page))


async def press_fresh_link(client: Client, page: str) -> None:
    """Press "Email me a fresh link" on an expired link's page."""
    sent = await client.post("/links/fresh", data={"token": token_of(page)})
    assert sent.status_code == 200
    assert 'data-testid="fresh-link-sent"' in sent.text


async def test_an_expired_customer_link_mails_a_fresh_one_to_the_bookings_address(
    client: Client, booked: Booked, clock: FrozenClock, mail: MailRig
) -> None:
    clock.set(TUESDAY_11 + timedelta(days=31))
    await press_fresh_link(client, booked.customer_page)
    fresh = only(await mail.deliver(), CUSTOMER, "customer.fresh_link")
    assert fresh.recipients == (CUSTOMER,)


async def test_an_expired_dealer_link_mails_a_fresh_one_to_the_dealers_address(
    client: Client, booked: Booked, clock: FrozenClock, mail: MailRig
) -> None:
    clock.set(TUESDAY_11 + timedelta(hours=2))
    await press_fresh_link(client, booked.dealer_page)
    assert kinds(await mail.deliver()) == [(SHOP, "dealer.fresh_link")]


async def test_the_fresh_link_for_an_expired_customer_link_opens_the_booking(
    client: Client, booked: Booked, clock: FrozenClock, mail: MailRig
) -> None:
    clock.set(TUESDAY_11 + timedelta(days=31))
    await press_fresh_link(client, booked.customer_page)
    fresh = only(await mail.deliver(), CUSTOMER, "customer.fresh_link")
    assert (await client.get(booking_page(fresh))).status_code == 200


async def test_the_fresh_link_for_an_expired_dealer_link_opens_the_booking(
    client: Client, booked: Booked, clock: FrozenClock, mail: MailRig
) -> None:
    clock.set(TUESDAY_11 + timedelta(hours=2))
    await press_fresh_link(client, booked.dealer_page)
    fresh = only(await mail.deliver(), SHOP, "dealer.fresh_link")
    assert (await client.get(booking_page(fresh))).status_code == 200


# Keys that rotate.


@asynccontextmanager
async def app_with_keys(db: Database, clock: FrozenClock, keys: str) -> AsyncIterator[Client]:
    """The app as it runs after BOOKWIDGET_SECRET_KEYS was set to `keys`."""
    settings = dataclasses.replace(db.settings, signing_keys=parse_keys(keys))
    app = create_app(settings, engine=db.engine, clock=clock)
    for hook in app.on_startup:
        await hook()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
    finally:
        for hook in app.on_shutdown:
            await hook()


async def test_a_link_signed_with_the_old_key_works_once_a_new_key_is_put_first(
    client: Client, booked: Booked, db: Database, clock: FrozenClock, mail: MailRig
) -> None:
    async with app_with_keys(db, clock, f"{NEW_KEY},{TEST_KEYS}") as rotated:
        shown = await rotated.get(booked.dealer_page)
        assert shown.status_code == 200
        assert booked.reference in shown.text
        done = await rotated.post(booked.dealer_page, data={"action": "confirm"})
        assert done.status_code == 303
    assert await status_of(client, booked) == "confirmed"
    assert kinds(await mail.deliver()) == [(CUSTOMER, "customer.confirmed")]


async def test_a_link_signed_with_a_removed_key_is_no_longer_valid(
    client: Client, booked: Booked, db: Database, clock: FrozenClock, mail: MailRig
) -> None:
    async with app_with_keys(db, clock, NEW_KEY) as retired:
        shown = await retired.get(booked.customer_page)
        assert shown.status_code == 403
        assert "This link is no longer valid" in shown.text
        assert asks_for_reference_and_email(shown)
        sent = await retired.post(booked.customer_page, data={"action": "cancel"})
        assert sent.status_code == 403
    assert await status_of(client, booked) == "requested"
    assert await mail.deliver() == []


# The reference and email form.


async def ask_fresh_link(client: Client, reference: str, email: str) -> httpx.Response:
    answer = await client.post("/links/fresh", data={"reference": reference, "email": email})
    assert answer.status_code == 200
    return answer


async def test_the_reference_and_the_bookings_email_get_a_fresh_link_to_that_address_only(
    client: Client, booked: Booked, mail: MailRig
) -> None:
    # Typed as people type it: lower case, without the dash, the address in capitals.
    typed = booked.reference.replace("-", "").lower()
    await ask_fresh_link(client, typed, CUSTOMER.upper())
    (fresh,) = await mail.deliver()
    assert (fresh.recipients, kind_of(fresh)) == ((CUSTOMER,), "customer.fresh_link")
    opened = await client.get(booking_page(fresh))
    assert opened.status_code == 200
    assert booked.reference in opened.text


async def test_a_wrong_email_or_reference_gets_the_same_answer_and_no_mail(
    client: Client, booked: Booked, mail: MailRig
) -> None:
    wrong = [
        await ask_fresh_link(client, booked.reference, "someone@else.example"),
        await ask_fresh_link(client, "ZZZ-ZZZ", CUSTOMER),
        await ask_fresh_link(client, booked.reference, ""),
    ]
    assert await mail.pending() == 0
    assert await mail.deliver() == []
    right = await ask_fresh_link(client, booked.reference, CUSTOMER)
    assert all(answer.text == right.text for answer in wrong)
    assert len(await mail.deliver()) == 1


async def test_a_forged_token_in_the_fresh_link_form_sends_nothing(
    client: Client, booked: Booked, mail: MailRig
) -> None:
    forged = [
        role_changed(token_of(booked.customer_page)),
        signature_changed(token_of(booked.dealer_page)),
        # Well made, but signed with a key this server does not have.
        booking_token(booked.reference, "customer", TUESDAY_11, parse_keys(NEW_KEY)),
    ]
    for token in forged:
        answer = await client.post("/links/fresh", data={"token": token})
        assert answer.status_code == 200
    assert await mail.deliver() == []


async def test_asking_for_a_fresh_link_again_and_again_sends_one_mail_per_ten_minutes(
    client: Client, booked: Booked, clock: FrozenClock, mail: MailRig
) -> None:
    for _ in range(5):
        await ask_fresh_link(client, booked.reference, CUSTOMER)
        await press_fresh_link(client, booked.customer_page)
        clock.advance(timedelta(minutes=1))
    assert kinds(await mail.deliver()) == [(CUSTOMER, "customer.fresh_link")]
    clock.set(MONDAY_MORNING + timedelta(minutes=10))
    await ask_fresh_link(client, booked.reference, CUSTOMER)
    assert kinds(await mail.deliver()) == [(CUSTOMER, "customer.fresh_link")]


async def test_two_requests_seven_minutes_apart_send_one_mail(
    client: Client, booked: Booked, clock: FrozenClock, mail: MailRig
) -> None:
    clock.set(MONDAY_MORNING + timedelta(minutes=5))
    await ask_fresh_link(client, booked.reference, CUSTOMER)
    clock.advance(timedelta(minutes=7))
    await ask_fresh_link(client, booked.reference, CUSTOMER)
    assert len(await mail.deliver()) == 1
