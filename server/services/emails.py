"""The booking emails (DESIGN §5): a `MailFacts` snapshot rendered, when the outbox sends it,
into plain-text and HTML twins and, when the appointment's calendar entry changes, an .ics file.

The words live in `widget/templates/emails/<role>/<kind>.{txt,html}`, translated with the
widget's catalogs; this module picks the template, formats times in the store's zone and
writes the headers. What customers typed (names, notes, reasons) goes into the bodies, where
the HTML is escaped, and into a subject only as one line without control characters.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from functools import cache
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import jinja2

from server.domain.ics import CalendarEvent, calendar_file
from server.domain.mail import AddressFacts, MailFacts, MailKind, StoreFacts
from server.services.texts import SUPPORTED_LOCALES
from server.web.widget import formatting
from server.web.widget.rendering import TEMPLATES, render, translations


def N_(message: str) -> str:  # gettext's name for "translate later"
    return message


#: The emails there are, by (role, kind), with their subjects.
SUBJECTS: dict[tuple[str, MailKind], str] = {
    ("customer", MailKind.REQUESTED): N_("Request received: %(when)s"),
    ("customer", MailKind.CONFIRMED): N_("Appointment confirmed: %(when)s"),
    ("customer", MailKind.DECLINED): N_("Appointment not possible: %(when)s"),
    ("customer", MailKind.RESCHEDULED): N_("Appointment moved: %(when)s"),
    ("customer", MailKind.PROPOSED): N_("New time proposed: %(when)s"),
    ("customer", MailKind.CANCELLED): N_("Appointment cancelled: %(when)s"),
    ("customer", MailKind.FRESH_LINK): N_("Your link to your booking"),
    ("dealer", MailKind.REQUESTED): N_("New request: %(name)s, %(when)s"),
    ("dealer", MailKind.CONFIRMED): N_("New booking: %(name)s, %(when)s"),
    ("dealer", MailKind.RESCHEDULED): N_("Appointment moved: %(name)s, %(when)s"),
    ("dealer", MailKind.CANCELLED): N_("Appointment cancelled: %(name)s, %(when)s"),
    ("dealer", MailKind.PROPOSAL_ACCEPTED): N_("New time accepted: %(name)s, %(when)s"),
    ("dealer", MailKind.PROPOSAL_DECLINED): N_("New time declined: %(name)s, %(when)s"),
    ("dealer", MailKind.FRESH_LINK): N_("Your link to the booking"),
}

CHANNELS = {
    "in_store": N_("In store"),
    "online": N_("Online (video call)"),
    "at_home": N_("Home visit"),
}

#: Nothing changes in the calendar: no .ics.
NO_CALENDAR = {MailKind.FRESH_LINK, MailKind.PROPOSED, MailKind.PROPOSAL_DECLINED}
#: The appointment is off: the .ics says METHOD:CANCEL.
CANCELLING = {MailKind.CANCELLED, MailKind.DECLINED}

_NAME_LIMIT = 60


def render_email(facts: MailFacts, *, sender: str, page_url: str, now: datetime) -> EmailMessage:
    """The message for one outbox row, ready for SMTP.

    `page_url` is the recipient's own signed booking page; action buttons add `?do=...` to
    it, and the page asks for a POST before anything changes (DESIGN §4).
    """
    subject_id = SUBJECTS.get((facts.role, facts.kind))
    if subject_id is None:
        raise ValueError(f"there is no {facts.role} email for {facts.kind.value!r}")
    locale = _locale(facts)
    words = _Words(locale, ZoneInfo(facts.time_zone))
    event = None if facts.kind in NO_CALENDAR else calendar_event(facts, page_url)
    context: dict[str, Any] = {
        "facts": facts,
        "locale": locale,
        "page_url": page_url,
        "action": lambda do: _with_action(page_url, do),
        "channel": words.gettext(CHANNELS.get(facts.channel, facts.channel)),
        "calendar": "" if event is None else "cancel" if event.cancelled else "add",
        "when": words.when,
        "zone": words.zone,
        "address": _address,
        "tel": _tel_url,
        "mailto": _mailto_url,
    }
    shown = facts.proposed_start if facts.kind is MailKind.PROPOSED else facts.start
    subject = words.gettext(
        subject_id,
        when=words.short_when(shown or facts.start),
        name=_one_line(facts.customer.name, _NAME_LIMIT),
    )
    context["subject"] = subject = _one_line(f"{subject} · {facts.reference}")
    template = f"emails/{facts.role}/{facts.kind.value}"

    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = facts.to
    reply_to = _reply_to(facts)
    if reply_to is not None:
        message["Reply-To"] = reply_to
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(
        domain=parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    )
    message["X-Bookwidget-Kind"] = f"{facts.role}.{facts.kind.value}"
    message["X-Bookwidget-Reference"] = _one_line(facts.reference)
    text = _text_environment(locale).get_template(f"{template}.txt").render(context)
    message.set_content(text, cte="quoted-printable")
    html = render(locale, f"{template}.html", context)
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    if event is not None:
        message.add_attachment(
            calendar_file(event, now),
            maintype="text",
            subtype="calendar",
            filename=f"appointment-{facts.reference}.ics",
            params={"method": "CANCEL" if event.cancelled else "PUBLISH", "charset": "utf-8"},
        )
    return message


def calendar_event(facts: MailFacts, page_url: str) -> CalendarEvent:
    """The booking as a calendar event, in the booking's language: the same UID as the
    widget's .ics, so calendars update the event they already have."""
    words = _Words(_locale(facts), ZoneInfo(facts.time_zone))
    channel = words.gettext(CHANNELS.get(facts.channel, facts.channel))
    if facts.channel == "online":
        location = channel
    elif facts.channel == "at_home" and facts.address is not None:
        location = _address(facts.address)
    else:
        location = f"{facts.store.name}, {_address(facts.store)}"
    who = facts.customer.name if facts.role == "dealer" else facts.store.name
    return CalendarEvent(
        uid=f"{facts.reference}@bookwidget",
        start=facts.start,
        end=facts.end,
        summary=f"{channel} – {who}",
        location=location,
        description=f"{words.gettext(N_('Reference'))}: {facts.reference}\n{page_url}",
        sequence=facts.sequence,
        cancelled=facts.kind in CANCELLING or facts.status in {"cancelled", "declined"},
        tentative=facts.status == "requested",
    )


class _Words:
    """Translations and times in the booking's language and the store's zone."""

    def __init__(self, locale: str, tz: ZoneInfo) -> None:
        self.locale, self.tz = locale, tz

    def gettext(self, message: str, **values: str) -> str:
        text = translations(self.locale).gettext(message)
        return text % values if values else text

    def when(self, start: datetime, end: datetime) -> str:
        """ "Tuesday, June 15, 2027, 10:00 AM – 11:00 AM"."""
        day = formatting.long_day(start.astimezone(self.tz).date(), self.locale)
        return f"{day}, {self._clock(start)} – {self._clock(end)}"

    def short_when(self, start: datetime) -> str:
        """ "Tue, Jun 15, 10:00 AM", for a subject."""
        day = formatting.short_day(start.astimezone(self.tz).date(), self.locale)
        return f"{day}, {self._clock(start)}"

    def zone(self, moment: datetime) -> str:
        return formatting.zone_name(self.tz, moment, self.locale)

    def _clock(self, moment: datetime) -> str:
        return formatting.clock_time(moment, self.tz, self.locale)


@cache
def _text_environment(locale: str) -> jinja2.Environment:
    """Like the widget's environment, with the same translations, but the plain-text
    templates are not HTML: `.txt` is not escaped."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",)),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    return env


def _locale(facts: MailFacts) -> str:
    # A booking's locale was supported when it was made; should that ever change, an English
    # email is better than none.
    return facts.locale if facts.locale in SUPPORTED_LOCALES else "en"


def _reply_to(facts: MailFacts) -> Address | None:
    """Answers go to the other side: the customer writes to the store, the store to the
    customer. None when that address is unusable."""
    name, address = (
        (facts.store.name, facts.store.email)
        if facts.role == "customer"
        else (facts.customer.name, facts.customer.email)
    )
    try:
        return Address(display_name=_one_line(name, _NAME_LIMIT), addr_spec=address)
    except (ValueError, IndexError, HeaderParseError):
        return None


def _one_line(text: str, limit: int = 500) -> str:
    """Text fit for a header: no control, format or line-separator characters, one line."""
    kept = "".join(
        " " if unicodedata.category(c) in {"Cc", "Zl", "Zp"} else c
        for c in text
        if unicodedata.category(c) != "Cf"
    )
    # Only ASCII spaces collapse: CLDR times keep their narrow no-break space ("10:00 AM").
    line = re.sub(" {2,}", " ", kept).strip(" ")
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _with_action(page_url: str, do: str) -> str:
    return f"{page_url}{'&' if '?' in page_url else '?'}do={do}"


def _address(place: StoreFacts | AddressFacts) -> str:
    return f"{place.street}, {place.postal_code} {place.city}"


def _tel_url(phone: str) -> str:
    return "tel:" + re.sub(r"[^\d+]", "", phone)


def _mailto_url(address: str) -> str:
    return "mailto:" + quote(address, safe="@")
