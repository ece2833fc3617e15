"""The booking emails: every (role, kind) in both languages, its links and its calendar file."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import icalendar
import pytest

from server.domain.mail import AddressFacts, CustomerFacts, MailFacts, MailKind, StoreFacts
from server.services.emails import render_email

PAGE = "https://bookings.example/manage/TOKEN"
SENDER = "Nordlicht <bookings@nordlicht.example>"
NOW = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
#: Tuesday 15 June 2027, 10:00 in Berlin (summer time, UTC+2).
START = datetime(2027, 6, 15, 8, 0, tzinfo=UTC)
END = datetime(2027, 6, 15, 9, 0, tzinfo=UTC)
#: The day before, 10:00 in Berlin.
OLD_START, OLD_END = (
    datetime(2027, 6, 14, 8, 0, tzinfo=UTC),
    datetime(2027, 6, 14, 9, 0, tzinfo=UTC),
)
#: Wednesday 16 June, 14:00 in Berlin.
PROPOSED_START = datetime(2027, 6, 16, 12, 0, tzinfo=UTC)
PROPOSED_END = datetime(2027, 6, 16, 13, 0, tzinfo=UTC)

K = MailKind
EMAILS = [
    *[("customer", kind) for kind in (K.REQUESTED, K.CONFIRMED, K.DECLINED, K.RESCHEDULED)],
    *[("customer", kind) for kind in (K.PROPOSED, K.CANCELLED, K.FRESH_LINK)],
    *[("dealer", kind) for kind in (K.REQUESTED, K.CONFIRMED, K.RESCHEDULED, K.CANCELLED)],
    *[("dealer", kind) for kind in (K.PROPOSAL_ACCEPTED, K.PROPOSAL_DECLINED, K.FRESH_LINK)],
]
WITHOUT_CALENDAR = {K.FRESH_LINK, K.PROPOSED, K.PROPOSAL_DECLINED}
ACTIONS = {
    ("customer", K.PROPOSED): ["accept", "decline_proposal"],
    ("dealer", K.REQUESTED): ["confirm", "decline", "reschedule"],
}
STATUS_AFTER = {K.REQUESTED: "requested", K.DECLINED: "declined", K.CANCELLED: "cancelled"}


def mail_facts(kind: MailKind, role: str = "customer", **overrides: Any) -> MailFacts:
    """The facts of a Berlin store's booking as `kind` would leave them."""
    values: dict[str, Any] = {
        "kind": kind,
        "to": "eve@example.com" if role == "customer" else "hamburg@nordlicht.example",
        "role": role,
        "locale": "en",
        "tenant_name": "Nordlicht Optik",
        "reference": "K7P-4QX",
        "sequence": 3,
        "status": STATUS_AFTER.get(kind, "confirmed"),
        "channel": "in_store",
        "start": START,
        "end": END,
        "time_zone": "Europe/Berlin",
        "store": StoreFacts(
            name="Nordlicht Hamburg",
            street="Jungfernstieg 1",
            postal_code="20354",
            city="Hamburg",
            phone="+49 40 123456",
            email="hamburg@nordlicht.example",
        ),
        "customer": CustomerFacts(
            name="Eve Example", email="eve@example.com", phone="+49 170 1234567"
        ),
        "by": "customer" if role == "dealer" else "dealer",
    }
    if kind is K.RESCHEDULED:
        values |= {"old_start": OLD_START, "old_end": OLD_END}
    if kind in {K.PROPOSED, K.PROPOSAL_DECLINED}:
        values |= {"proposed_start": PROPOSED_START, "proposed_end": PROPOSED_END}
    return MailFacts(**(values | overrides))


def send(facts: MailFacts, page_url: str = PAGE) -> EmailMessage:
    return render_email(facts, sender=SENDER, page_url=page_url, now=NOW)


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def calendar_parts(message: EmailMessage) -> list[EmailMessage]:
    return [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]


def only_event(message: EmailMessage) -> tuple[icalendar.Calendar, icalendar.Event]:
    (part,) = calendar_parts(message)
    calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    (event,) = calendar.walk("VEVENT")
    return calendar, event


@pytest.mark.parametrize(("role", "kind"), EMAILS)
def test_every_email_has_a_subject_and_both_twins_in_both_languages(
    role: str, kind: MailKind
) -> None:
    english = send(mail_facts(kind, role))
    german = send(mail_facts(kind, role, locale="de"))
    for message in (english, german):
        assert message["Subject"]
        assert PAGE in text_of(message)
        assert f'href="{PAGE}' in html_of(message)
        assert message["X-Bookwidget-Kind"] == f"{role}.{kind.value}"
        assert message["X-Bookwidget-Reference"] == "K7P-4QX"
    assert english["Subject"] != german["Subject"]
    assert text_of(english) != text_of(german)
    assert '<html lang="de">' in html_of(german)


def test_the_headers_name_sender_recipient_date_and_a_message_id() -> None:
    message = send(mail_facts(K.CONFIRMED))
    assert message["From"] == SENDER
    assert message["To"] == "eve@example.com"
    assert message["Date"].datetime == NOW
    assert message["Message-ID"].endswith("@nordlicht.example>")
    assert message["Auto-Submitted"] is None


def test_answers_go_to_the_other_side() -> None:
    assert send(mail_facts(K.CONFIRMED))["Reply-To"] == (
        "Nordlicht Hamburg <hamburg@nordlicht.example>"
    )
    assert send(mail_facts(K.REQUESTED, "dealer"))["Reply-To"] == "Eve Example <eve@example.com>"


def test_an_email_is_text_and_html_alternatives_with_the_calendar_beside_them() -> None:
    message = send(mail_facts(K.CONFIRMED))
    assert message.get_content_type() == "multipart/mixed"
    (body, attachment) = message.iter_parts()
    assert body.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in body.iter_parts()] == ["text/plain", "text/html"]
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "appointment-K7P-4QX.ics"
    assert attachment.get_param("method") == "PUBLISH"
    assert attachment.get_param("charset") == "utf-8"


@pytest.mark.parametrize(("role", "kind"), list(ACTIONS))
def test_action_buttons_open_the_page_with_the_action_named(role: str, kind: MailKind) -> None:
    message = send(mail_facts(kind, role))
    for action in ACTIONS[role, kind]:
        assert f"{PAGE}?do={action}\n" in text_of(message)
        assert f'href="{PAGE}?do={action}"' in html_of(message)
    # GET never changes anything: the email says a choice is made on the page.
    assert "Nothing changes until you confirm your choice on the booking page." in text_of(message)


def test_a_page_url_with_a_query_gets_the_action_as_one_more_parameter() -> None:
    message = send(mail_facts(K.REQUESTED, "dealer"), page_url=f"{PAGE}?lang=de")
    assert f"{PAGE}?lang=de&do=confirm" in text_of(message)
    assert f'href="{PAGE}?lang=de&amp;do=confirm"' in html_of(message)


def test_a_store_waiting_for_a_rescheduled_request_can_confirm_or_decline_it() -> None:
    waiting = send(mail_facts(K.RESCHEDULED, "dealer", status="requested"))
    assert f"{PAGE}?do=confirm" in text_of(waiting)
    assert f"{PAGE}?do=decline" in text_of(waiting)
    settled = send(mail_facts(K.RESCHEDULED, "dealer"))
    assert "?do=" not in text_of(settled)


@pytest.mark.parametrize(("role", "kind"), EMAILS)
def test_the_calendar_file_comes_exactly_with_the_changes_a_calendar_should_know(
    role: str, kind: MailKind
) -> None:
    facts = mail_facts(kind, role)
    message = send(facts)
    if kind in WITHOUT_CALENDAR:
        assert calendar_parts(message) == []
        return
    calendar, event = only_event(message)
    cancels = kind in {K.CANCELLED, K.DECLINED}
    assert calendar["METHOD"] == ("CANCEL" if cancels else "PUBLISH")
    assert calendar_parts(message)[0].get_param("method") == calendar["METHOD"]
    assert event["UID"] == "K7P-4QX@bookwidget"
    assert event["SEQUENCE"] == 3
    assert event.decoded("DTSTART") == facts.start
    assert event.decoded("DTEND") == facts.end
    expected = "CANCELLED" if cancels else "TENTATIVE" if kind is K.REQUESTED else "CONFIRMED"
    assert event["STATUS"] == expected
    assert PAGE in str(event["DESCRIPTION"])


def test_the_calendar_event_says_where_the_appointment_is() -> None:
    _, in_store = only_event(send(mail_facts(K.CONFIRMED)))
    assert in_store["LOCATION"] == "Nordlicht Hamburg, Jungfernstieg 1, 20354 Hamburg"
    assert in_store["SUMMARY"] == "In store – Nordlicht Hamburg"
    home = AddressFacts(street="Elbchaussee 5", postal_code="22763", city="Hamburg")
    facts = mail_facts(K.CONFIRMED, "dealer", channel="at_home", address=home, locale="de")
    _, at_home = only_event(send(facts))
    assert at_home["LOCATION"] == "Elbchaussee 5, 22763 Hamburg"
    assert at_home["SUMMARY"] == "Hausbesuch – Eve Example"


def test_times_are_shown_in_the_stores_zone_and_language() -> None:
    english = send(mail_facts(K.CONFIRMED))
    assert "Tuesday, June 15, 2027, 10:00\u202fAM – 11:00\u202fAM" in text_of(english)
    assert "Central European Summer Time" in html_of(english)
    german = send(mail_facts(K.CONFIRMED, locale="de"))
    assert "Dienstag, 15. Juni 2027, 10:00 – 11:00" in text_of(german)
    assert "Mitteleuropäische Sommerzeit" in html_of(german)
    assert german["Subject"] == "Termin bestätigt: Di., 15. Juni, 10:00 · K7P-4QX"
    new_york = send(mail_facts(K.CONFIRMED, time_zone="America/New_York"))
    assert "4:00\u202fAM – 5:00\u202fAM" in text_of(new_york)


def test_a_rescheduled_appointment_shows_the_old_time_struck_through_and_the_new_one() -> None:
    message = send(mail_facts(K.RESCHEDULED))
    assert "<s " in html_of(message)
    assert "Monday, June 14, 2027, 10:00\u202fAM" in html_of(message)
    assert "Previous time: Monday, June 14, 2027" in text_of(message)
    assert "New time: Tuesday, June 15, 2027" in text_of(message)


@pytest.mark.parametrize(
    ("by", "status", "says"),
    [
        ("dealer", "confirmed", "The store has moved your appointment"),
        ("customer", "confirmed", "You moved your appointment"),
        ("customer", "requested", "Nordlicht Hamburg will confirm the new time shortly."),
    ],
)
def test_a_rescheduled_email_says_who_moved_it(by: str, status: str, says: str) -> None:
    message = send(mail_facts(K.RESCHEDULED, by=by, status=status, message="See you then!"))
    assert says in text_of(message)
    assert "See you then!" in html_of(message)


def test_a_proposal_shows_both_times_and_keeps_the_booked_one_until_accepted() -> None:
    message = send(mail_facts(K.PROPOSED, message="Wednesday suits us better."))
    text = text_of(message)
    assert "Proposed time: Wednesday, June 16, 2027, 2:00\u202fPM" in text
    assert "Booked time: Tuesday, June 15, 2027, 10:00\u202fAM" in text
    assert "Wednesday suits us better." in text
    assert message["Subject"].startswith("New time proposed: Wed, Jun 16, 2:00\u202fPM")


@pytest.mark.parametrize(
    ("by", "says"),
    [("customer", "You have cancelled"), ("dealer", "The store has cancelled")],
)
def test_a_cancellation_says_who_cancelled_and_why(by: str, says: str) -> None:
    facts = mail_facts(K.CANCELLED, by=by, reason="Ill", book_again_url="https://shop.example/")
    message = send(facts)
    assert says in text_of(message)
    assert "Ill" in text_of(message)
    assert 'href="https://shop.example/"' in html_of(message)


def test_a_declined_request_offers_to_book_again_only_where_there_is_a_page_for_it() -> None:
    message = send(mail_facts(K.DECLINED, reason="Fully booked."))
    assert "Fully booked." in text_of(message)
    assert "Book another time" not in text_of(message)
    again = send(mail_facts(K.DECLINED, book_again_url="https://shop.example/book"))
    assert "Book another time:\nhttps://shop.example/book" in text_of(again)


def test_a_new_request_lets_the_dealer_call_and_write_to_the_customer() -> None:
    html = html_of(send(mail_facts(K.REQUESTED, "dealer")))
    assert 'href="tel:+491701234567"' in html
    assert "Call the customer" in html
    assert 'href="mailto:eve@example.com"' in html


def test_customers_are_told_whom_to_contact() -> None:
    message = send(mail_facts(K.CONFIRMED))
    assert "Please contact Nordlicht Hamburg" in text_of(message)
    assert 'href="tel:+4940123456"' in html_of(message)
    assert 'href="mailto:hamburg@nordlicht.example"' in html_of(message)
    assert "Your reference: K7P-4QX" in text_of(message)


def test_each_channel_says_where_the_appointment_takes_place() -> None:
    online = text_of(send(mail_facts(K.REQUESTED, channel="online")))
    assert "Online (video call)" in online
    assert "The store will send you the link to the video call" in online
    home = AddressFacts(street="Elbchaussee 5", postal_code="22763", city="Hamburg")
    at_home = text_of(send(mail_facts(K.REQUESTED, channel="at_home", address=home)))
    assert "Home visit" in at_home
    assert "Your address: Elbchaussee 5, 22763 Hamburg" in at_home


def test_a_line_break_in_a_customers_name_does_not_start_a_header() -> None:
    customer = CustomerFacts(name="Eve\r\nBcc: x@y", email="eve@example.com", phone="")
    message = send(mail_facts(K.REQUESTED, "dealer", customer=customer))
    assert message["Subject"].startswith("New request: Eve Bcc: x@y, ")
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert parsed["Bcc"] is None
    assert parsed.keys() == message.keys()


def test_markup_in_notes_is_escaped_and_line_breaks_are_kept() -> None:
    notes = '<script>alert("hi")</script>\nSecond line'
    message = send(mail_facts(K.REQUESTED, "dealer", notes=notes))
    html = html_of(message)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<br>Second line" in html
    assert notes.replace("\n", "\n  ") in text_of(message)


def test_an_email_a_role_never_receives_is_refused() -> None:
    with pytest.raises(ValueError, match="no dealer email for 'proposed'"):
        send(mail_facts(K.PROPOSED, "dealer"))
