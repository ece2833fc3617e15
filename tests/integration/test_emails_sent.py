"""Every email is sent, in both languages, to the right people, with a calendar file that
calendars can follow and links that open: each booking is driven from its emails' links.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from server.domain.model import Routing
from tests import builders
from tests.conftest import Database
from tests.links_flow import (
    ASK,
    CUSTOMER,
    DECLINE_REASON,
    DIRECT,
    HEADQUARTERS,
    PAGES,
    SHOP,
    THURSDAY_10,
    TUESDAY_10,
    TUESDAY_14,
    WEDNESDAY_10,
    Client,
    Flow,
    calendar_of,
    every_story,
    kind_of,
    load_shops,
    server_links,
)
from tests.mail import MailRig, kinds, links, only
from tests.smtp import CaughtMail

#: Who is told what at each step of `every_story`.
RECIPIENTS = {
    "requested": {(CUSTOMER, "customer.requested"), (SHOP, "dealer.requested")},
    "confirmed by the dealer": {(CUSTOMER, "customer.confirmed")},
    "moved by the customer": {(CUSTOMER, "customer.rescheduled"), (SHOP, "dealer.rescheduled")},
    "moved by the dealer": {(CUSTOMER, "customer.rescheduled")},
    "cancelled by the customer": {(CUSTOMER, "customer.cancelled"), (SHOP, "dealer.cancelled")},
    "requested, to decline": {(CUSTOMER, "customer.requested"), (SHOP, "dealer.requested")},
    "declined by the dealer": {(CUSTOMER, "customer.declined")},
    "booked in direct mode": {(CUSTOMER, "customer.confirmed"), (DIRECT, "dealer.confirmed")},
    "requested, to propose": {(CUSTOMER, "customer.requested"), (ASK, "dealer.requested")},
    "proposed": {(CUSTOMER, "customer.proposed")},
    "proposal accepted": {(CUSTOMER, "customer.rescheduled"), (ASK, "dealer.proposal_accepted")},
    "proposed again": {(CUSTOMER, "customer.proposed")},
    "proposal declined": {(ASK, "dealer.proposal_declined")},
    "fresh link for the customer": {(CUSTOMER, "customer.fresh_link")},
    "fresh link for the dealer": {(SHOP, "dealer.fresh_link")},
}

#: What each step's calendar file says: (start, METHOD, STATUS); None: no file at all.
CALENDAR: dict[str, tuple[datetime, str, str] | None] = {
    "requested": (TUESDAY_10, "PUBLISH", "TENTATIVE"),
    "confirmed by the dealer": (TUESDAY_10, "PUBLISH", "CONFIRMED"),
    # Moved by the customer in a request-mode store: the dealer has to confirm again.
    "moved by the customer": (WEDNESDAY_10, "PUBLISH", "TENTATIVE"),
    "moved by the dealer": (THURSDAY_10, "PUBLISH", "CONFIRMED"),
    "cancelled by the customer": (THURSDAY_10, "CANCEL", "CANCELLED"),
    "requested, to decline": (TUESDAY_14, "PUBLISH", "TENTATIVE"),
    "declined by the dealer": (TUESDAY_14, "CANCEL", "CANCELLED"),
    "booked in direct mode": (TUESDAY_10, "PUBLISH", "CONFIRMED"),
    "requested, to propose": (TUESDAY_10, "PUBLISH", "TENTATIVE"),
    "proposed": None,
    "proposal accepted": (WEDNESDAY_10, "PUBLISH", "CONFIRMED"),
    "proposed again": None,
    "proposal declined": None,
    "fresh link for the customer": None,
    "fresh link for the dealer": None,
}

#: How each subject starts, in English and in German.
SUBJECTS = {
    "customer.requested": ("Request received: ", "Anfrage erhalten: "),
    "customer.confirmed": ("Appointment confirmed: ", "Termin bestätigt: "),
    "customer.declined": ("Appointment not possible: ", "Termin leider nicht möglich: "),
    "customer.rescheduled": ("Appointment moved: ", "Termin verschoben: "),
    "customer.proposed": ("New time proposed: ", "Neuer Terminvorschlag: "),
    "customer.cancelled": ("Appointment cancelled: ", "Termin abgesagt: "),
    "customer.fresh_link": ("Your link to your booking", "Ihr Link zu Ihrer Buchung"),
    "dealer.requested": ("New request: Erika", "Neue Anfrage: Erika"),
    "dealer.confirmed": ("New booking: Erika", "Neue Buchung: Erika"),
    "dealer.rescheduled": ("Appointment moved: Erika", "Termin verschoben: Erika"),
    "dealer.cancelled": ("Appointment cancelled: Erika", "Termin abgesagt: Erika"),
    "dealer.proposal_accepted": ("New time accepted: Erika", "Neue Zeit angenommen: Erika"),
    "dealer.proposal_declined": ("New time declined: Erika", "Neue Zeit abgelehnt: Erika"),
    "dealer.fresh_link": ("Your link to the booking", "Ihr Link zur Buchung"),
}


class Words:
    """What the mails should say, per language."""

    def __init__(self, locale: str) -> None:
        german = locale == "de"
        self.index = 1 if german else 0
        self.reference = "Buchungsnummer" if german else "Reference"
        self.previous = "Bisherige Zeit" if german else "Previous time"
        self.new = "Neue Zeit" if german else "New time"
        self.proposed = "Vorgeschlagene Zeit" if german else "Proposed time"
        self.booked = "Gebuchte Zeit" if german else "Booked time"
        self.declined = "Abgelehnte Zeit" if german else "Declined time"
        self.short_tuesday = "Di., 23. März" if german else "Tue, Mar 23"
        self.days = {
            TUESDAY_10: "Dienstag, 23. März 2027" if german else "Tuesday, March 23, 2027",
            WEDNESDAY_10: "Mittwoch, 24. März 2027" if german else "Wednesday, March 24, 2027",
            THURSDAY_10: "Donnerstag, 25. März 2027" if german else "Thursday, March 25, 2027",
        }


@pytest.fixture(params=["en", "de"])
async def told(request: pytest.FixtureRequest, client: Client, db: Database, mail: MailRig) -> Flow:
    """Every story told in one language: the mail of each step, kept by step."""
    flow = Flow(client, mail, locale=request.param)
    await every_story(flow, await load_shops(db))
    return flow


def mime_method(mail: CaughtMail) -> str:
    (part,) = [
        p for p in mail.message.iter_attachments() if p.get_content_type() == "text/calendar"
    ]
    return str(part.get_param("method"))


def line_with(text: str | None, label: str) -> str:
    found = [line for line in (text or "").splitlines() if line.startswith(f"{label}:")]
    assert len(found) == 1, (label, text)
    return found[0]


async def test_each_change_mails_exactly_the_people_it_concerns(told: Flow) -> None:
    assert [step.name for step in told.steps] == list(RECIPIENTS)
    for step in told.steps:
        assert kinds(step.mails) == sorted(RECIPIENTS[step.name]), step.name
        for mail in step.mails:
            assert mail.recipients == (mail.to,)
            assert mail.message["X-Bookwidget-Reference"] == step.reference


async def test_subjects_and_bodies_are_in_the_bookings_language(told: Flow) -> None:
    words = Words(told.locale)
    for step in told.steps:
        for mail in step.mails:
            start = SUBJECTS[kind_of(mail)][words.index]
            assert mail.subject.startswith(start), (step.name, mail.subject)
            assert mail.subject.endswith(f" · {step.reference}")
            assert f'<html lang="{told.locale}">' in (mail.html or "")
            assert f"{words.reference}: {step.reference}" in (mail.text or "")
    request = only(told.step("requested"), CUSTOMER, "customer.requested")
    assert words.short_tuesday in request.subject


async def test_the_calendar_file_of_each_change_says_what_the_booking_is_now(
    told: Flow,
) -> None:
    for step in told.steps:
        expected = CALENDAR[step.name]
        for mail in step.mails:
            calendar = calendar_of(mail)
            if expected is None:
                assert calendar is None, (step.name, kind_of(mail))
                continue
            assert calendar is not None, (step.name, kind_of(mail))
            start, method, status = expected
            (event,) = calendar.walk("VEVENT")
            assert str(calendar["METHOD"]) == method, step.name
            assert mime_method(mail) == method, step.name
            assert str(event["STATUS"]) == status, step.name
            assert event.decoded("DTSTART") == start, step.name
            assert event.decoded("DTEND") == start + timedelta(hours=1), step.name


async def test_the_calendar_file_keeps_its_uid_and_raises_its_sequence_with_every_change(
    told: Flow,
) -> None:
    by_booking: dict[str, list[int]] = {}
    for step in told.steps:
        events = [c.walk("VEVENT")[0] for m in step.mails if (c := calendar_of(m))]
        assert {str(event["UID"]) for event in events} <= {f"{step.reference}@bookwidget"}
        in_step = {int(str(event["SEQUENCE"])) for event in events}
        assert len(in_step) <= 1, (step.name, in_step)  # both sides get the same file
        by_booking.setdefault(step.reference, []).extend(in_step)
    for reference, sequences in by_booking.items():
        assert sequences == sorted(set(sequences)), (reference, sequences)
    # The request story: booked, confirmed, moved twice, cancelled.
    assert max(by_booking.values(), key=len) == [0, 1, 2, 3, 4]


async def test_a_declined_request_gives_the_customer_the_stores_reason(told: Flow) -> None:
    declined = only(told.step("declined by the dealer"), CUSTOMER, "customer.declined")
    assert DECLINE_REASON in (declined.text or "")
    html = declined.html or ""
    assert "We are at a fair that day &amp; fully booked &lt;sorry&gt;." in html
    assert "<sorry>" not in html


async def test_a_moved_appointment_mail_shows_the_previous_and_the_new_time(
    told: Flow,
) -> None:
    words = Words(told.locale)
    moves = {
        "moved by the customer": (TUESDAY_10, WEDNESDAY_10),
        "moved by the dealer": (WEDNESDAY_10, THURSDAY_10),
    }
    for name, (old, new) in moves.items():
        for mail in told.step(name):
            assert words.days[old] in line_with(mail.text, words.previous), name
            assert words.days[new] in line_with(mail.text, words.new), name
            assert "<s " in (mail.html or ""), "the previous time is struck through"
    by_dealer = only(told.step("moved by the dealer"), CUSTOMER, "customer.rescheduled")
    assert "Wednesday is our stocktaking day." in (by_dealer.text or "")


async def test_a_proposal_shows_the_proposed_and_the_booked_time_and_buttons_to_answer(
    told: Flow,
) -> None:
    words = Words(told.locale)
    proposal = only(told.step("proposed"), CUSTOMER, "customer.proposed")
    assert words.days[WEDNESDAY_10] in line_with(proposal.text, words.proposed)
    assert words.days[TUESDAY_10] in line_with(proposal.text, words.booked)
    assert "Could you come on Wednesday?" in (proposal.text or "")
    assert any(link.endswith("?do=accept") for link in links(proposal))


async def test_the_dealer_is_told_which_proposed_time_the_customer_declined(
    told: Flow,
) -> None:
    words = Words(told.locale)
    declined = only(told.step("proposal declined"), ASK, "dealer.proposal_declined")
    assert words.days[THURSDAY_10] in line_with(declined.text, words.declined)


async def test_every_link_in_every_mail_that_leads_to_the_server_opens(
    told: Flow, client: Client, mail: MailRig
) -> None:
    public_url = mail.settings.public_url
    checked: dict[str, str] = {}  # path → the booking its mail is about
    for step in told.steps:
        for sent in step.mails:
            paths = server_links(sent, public_url)
            assert paths, f"{kind_of(sent)} links to no page of ours"
            checked |= dict.fromkeys(paths, step.reference)
    failed: dict[str, int] = {}
    for path, reference in sorted(checked.items()):
        answer = await client.get(path)
        if answer.status_code != 200 or (path.startswith(PAGES) and reference not in answer.text):
            failed[path] = answer.status_code
    assert failed == {}
    # The customer's "book another time" leads to the hosted widget (no landing_url set).
    assert any(path.startswith("/w/pk_test_") for path in checked)


# Routing: where the dealer's mail goes.


def dealer_addresses(mails: list[CaughtMail]) -> dict[str, set[str]]:
    """The dealer-side recipients of `mails`, by booking reference."""
    found: dict[str, set[str]] = {}
    for mail in mails:
        if kind_of(mail).startswith("dealer."):
            found.setdefault(str(mail.message["X-Bookwidget-Reference"]), set()).add(mail.to)
    return found


ROUTES: dict[str, tuple[dict[str, Any], set[str]]] = {
    "headquarters": ({"routing": Routing.HEADQUARTERS}, {HEADQUARTERS}),
    "headquarters, even with a copy asked for": (
        {"routing": Routing.HEADQUARTERS, "copy_headquarters": True},
        {HEADQUARTERS},
    ),
    "store": ({}, {"route@store.example"}),
    "store with a copy to headquarters": (
        {"copy_headquarters": True},
        {"route@store.example", HEADQUARTERS},
    ),
    "store without an email address": ({"email": ""}, {HEADQUARTERS}),
}


@pytest.mark.parametrize("route", list(ROUTES))
async def test_dealer_mail_goes_where_the_store_routes_it(
    route: str, client: Client, db: Database, mail: MailRig
) -> None:
    overrides, expected = ROUTES[route]
    catalog = builders.catalog(builders.store("route", **overrides))
    ids = await db.load(catalog)
    flow = Flow(client, mail)
    reference = await flow.book(catalog.tenant.key, ids["route"], TUESDAY_10)
    booked = await flow.deliver("requested", reference)
    assert dealer_addresses(booked) == {reference: expected}
    # Later mail about the booking takes the same way.
    await flow.press(only(booked, CUSTOMER, "customer.requested"), "cancel")
    cancelled = await flow.deliver("cancelled", reference)
    assert dealer_addresses(cancelled) == {reference: expected}


def team(**overrides: Any) -> Any:
    people = (
        builders.salesperson("Anna", "anna@store.example"),
        builders.salesperson("Ben", "ben@store.example"),
    )
    return builders.store(
        "team",
        routing=Routing.SALESPERSON,
        salespeople=people,
        channels=(builders.channel(capacity=4),),
        **overrides,
    )


async def book_four(client: Client, db: Database, mail: MailRig, store: Any) -> Flow:
    catalog = builders.catalog(store)
    ids = await db.load(catalog)
    flow = Flow(client, mail)
    for number in range(4):
        reference = await flow.book(catalog.tenant.key, ids["team"], TUESDAY_10)
        await flow.deliver(f"booking {number}", reference)
    return flow


async def test_an_assigned_salesperson_gets_every_request_of_the_store(
    client: Client, db: Database, mail: MailRig
) -> None:
    flow = await book_four(client, db, mail, team(salesperson="ben@store.example"))
    addresses = dealer_addresses(flow.mails())
    assert [addresses[step.reference] for step in flow.steps] == [{"ben@store.example"}] * 4


async def test_without_an_assignment_requests_take_turns_among_the_salespeople(
    client: Client, db: Database, mail: MailRig
) -> None:
    flow = await book_four(client, db, mail, team())
    addresses = dealer_addresses(flow.mails())
    anna, ben = {"anna@store.example"}, {"ben@store.example"}
    assert [addresses[step.reference] for step in flow.steps] == [anna, ben, anna, ben]
    # Later mail about Ben's booking goes to Ben, not to whoever's turn it is now.
    bens = flow.steps[1]
    await flow.press(only(bens.mails, CUSTOMER, "customer.requested"), "cancel")
    cancelled = await flow.deliver("cancelled", bens.reference)
    assert dealer_addresses(cancelled) == {bens.reference: ben}
