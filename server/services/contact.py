"""Checks a customer's contact details and puts them in canonical form.

Names and emails end up in email headers and calendar files, so line breaks and other
control characters are refused here, at the edge (no header injection later).
"""

from __future__ import annotations

import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from server.schemas import CustomerIn, CustomerOut, HomeAddress
from server.services.errors import InvalidInput


def clean_contact(customer: CustomerIn, country: str, phone_required: bool) -> CustomerOut:
    """The contact in canonical form (trimmed name, normalized email, E.164 phone), or
    InvalidInput naming every field that is wrong."""
    problems: dict[str, str] = {}
    name = " ".join(customer.name.split())
    if not name:
        problems["customer.name"] = "Please enter your name."
    elif _has_control_characters(customer.name.replace(" ", "")):
        problems["customer.name"] = "The name must not contain line breaks or control characters."

    email = customer.email.strip()
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as error:
        problems["customer.email"] = f"This email address is not valid: {error}"

    phone = customer.phone.strip()
    if phone:
        parsed = _parse_phone(phone, country)
        if parsed is None:
            problems["customer.phone"] = (
                "This phone number is not valid; include the country code, e.g. +49 30 1234567."
            )
        else:
            phone = parsed
    elif phone_required:
        problems["customer.phone"] = "A phone number is needed for a home visit."

    if problems:
        raise InvalidInput("Some contact details need attention.", fields=problems)
    return CustomerOut(name=name, email=email, phone=phone)


def check_address(address: HomeAddress) -> None:
    """InvalidInput naming each part of a home address that holds a line break or another
    control character: the address goes into emails and calendar files like the name."""
    parts = {"street": address.street, "postal_code": address.postal_code}
    parts |= {"city": address.city, "country": address.country}
    problems = {
        f"address.{part}": "The address must not contain line breaks or control characters."
        for part, text in parts.items()
        if _has_control_characters(text)
    }
    if problems:
        raise InvalidInput("The address needs attention.", fields=problems)


def clean_notes(notes: str) -> str:
    """Notes keep their line breaks but lose other control characters."""
    kept = "".join(c for c in notes if c in "\n\t" or not _is_control(c))
    return kept.strip()


def _parse_phone(text: str, country: str) -> str | None:
    try:
        number = phonenumbers.parse(text, country.upper() or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _is_control(character: str) -> bool:
    return unicodedata.category(character) in {"Cc", "Cf", "Zl", "Zp"}


def _has_control_characters(text: str) -> bool:
    return any(_is_control(c) for c in text)
