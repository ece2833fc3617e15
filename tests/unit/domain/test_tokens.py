import base64
import hashlib
import hmac
import json
import re
import string
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.tokens import (
    MAX_TOKEN_LENGTH,
    BadSignature,
    Claims,
    ExpiredToken,
    MalformedToken,
    SigningKey,
    TokenError,
    UnknownKey,
    WrongPurpose,
    WrongRole,
    format_keys,
    generate_key,
    parse_keys,
    sign,
    verify,
)

NEW = SigningKey("k2", bytes(range(32, 64)))
OLD = SigningKey("k1", bytes(range(32)))
KEYS = (NEW, OLD)
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
CLAIMS = Claims(
    purpose="manage-booking",
    role="customer",
    subject="b-1042",
    expires_at=NOW + timedelta(days=7),
    data={"lang": "de"},
)

# Hypothesis keeps no example database: the repository is shared and has no place for one.
fuzz = settings(database=None, max_examples=500)


def check(token: str, *, now: datetime = NOW, keys: tuple[SigningKey, ...] = KEYS) -> Claims:
    return verify(token, keys, purpose="manage-booking", roles={"customer", "dealer"}, now=now)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def forge(payload: bytes, key: SigningKey = NEW) -> str:
    """A token around any payload, correctly signed: what only a key holder could make."""
    body = b64(payload)
    mac = hmac.new(key.secret, b"bw1." + body.encode(), hashlib.sha256).digest()
    return f"{body}.{b64(mac)}"


def payload_of(token: str) -> dict[str, Any]:
    body = token.split(".")[0]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return decoded


def test_a_signed_token_verifies_to_the_same_claims() -> None:
    assert check(sign(CLAIMS, KEYS)) == CLAIMS


def test_a_token_is_url_safe_compact_and_unpadded() -> None:
    token = sign(CLAIMS, KEYS)

    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}", token)
    assert payload_of(token) == {
        "d": {"lang": "de"},
        "e": int(CLAIMS.expires_at.timestamp()),
        "k": "k2",
        "p": "manage-booking",
        "r": "customer",
        "s": "b-1042",
    }


def test_claims_without_data_leave_the_data_field_out() -> None:
    claims = Claims("manage-booking", "dealer", "b-7", NOW + timedelta(hours=1))
    token = sign(claims, KEYS)

    assert "d" not in payload_of(token)
    assert check(token) == claims


def test_expiry_is_kept_in_whole_seconds_rounded_down() -> None:
    claims = Claims("manage-booking", "customer", "b-7", NOW + timedelta(seconds=9.999))

    assert claims.expires_at == NOW + timedelta(seconds=9)
    assert check(sign(claims, KEYS)) == claims


def test_claims_refuse_a_naive_expiry() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Claims("manage-booking", "customer", "b-7", datetime(2025, 3, 1))  # noqa: DTZ001


def test_claims_keep_their_own_read_only_copy_of_data() -> None:
    data = {"lang": "de"}
    claims = Claims("manage-booking", "customer", "b-7", NOW, data)
    data["lang"] = "fr"

    assert claims.data == {"lang": "de"}
    with pytest.raises(TypeError):
        claims.data["lang"] = "fr"  # type: ignore[index]


def test_a_changed_payload_is_refused() -> None:
    body, signature = sign(CLAIMS, KEYS).split(".")
    payload = payload_of(body) | {"s": "b-1043"}
    changed = b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())

    with pytest.raises(BadSignature):
        check(f"{changed}.{signature}")


def test_a_changed_signature_is_refused() -> None:
    token = sign(CLAIMS, KEYS)
    last = "A" if token[-1] != "A" else "B"

    with pytest.raises(BadSignature):
        check(token[:-1] + last)


def test_a_signature_spelled_differently_for_the_same_bytes_is_refused() -> None:
    # 43 base64 characters carry 258 bits for a 256-bit MAC; the last two are ignored by
    # a lenient decoder, so this spelling decodes to the very same MAC.
    token = sign(CLAIMS, KEYS)
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
    variant = token[:-1] + alphabet[alphabet.index(token[-1]) ^ 1]
    lenient = [base64.urlsafe_b64decode(t.split(".")[1] + "=") for t in (token, variant)]
    assert lenient[0] == lenient[1]

    with pytest.raises(BadSignature):
        check(variant)


def test_every_truncation_of_a_token_is_refused() -> None:
    token = sign(CLAIMS, KEYS)

    for length in range(len(token)):
        with pytest.raises(TokenError):
            check(token[:length])


def test_a_token_is_valid_until_one_second_before_its_expiry() -> None:
    assert check(sign(CLAIMS, KEYS), now=CLAIMS.expires_at - timedelta(seconds=1)) == CLAIMS


@pytest.mark.parametrize("after", [timedelta(0), timedelta(seconds=1), timedelta(days=400)])
def test_an_expired_token_is_refused_but_says_what_it_was_for(after: timedelta) -> None:
    with pytest.raises(ExpiredToken) as refused:
        check(sign(CLAIMS, KEYS), now=CLAIMS.expires_at + after)

    assert refused.value.claims == CLAIMS
    assert "expired on 2025-03-08 at 12:00 UTC" in str(refused.value)


def test_the_message_of_a_malformed_token_is_for_people_and_the_reason_for_the_log() -> None:
    with pytest.raises(MalformedToken) as refused:
        check("no-dot-here")

    assert str(refused.value) == "This link is incomplete or damaged."
    assert refused.value.reason == "no signature"


def test_a_token_for_another_purpose_is_refused() -> None:
    token = sign(Claims("dealer-login", "dealer", "store-3", NOW + timedelta(hours=1)), KEYS)

    with pytest.raises(WrongPurpose, match="for dealer-login, not for manage-booking"):
        check(token)


def test_a_token_for_another_role_is_refused() -> None:
    token = sign(Claims("manage-booking", "campaign", "c-9", NOW + timedelta(hours=1)), KEYS)

    with pytest.raises(WrongRole, match="not for a customer or dealer"):
        check(token)


def test_a_wrong_purpose_is_reported_before_an_expiry() -> None:
    token = sign(Claims("dealer-login", "dealer", "store-3", NOW - timedelta(days=1)), KEYS)

    with pytest.raises(WrongPurpose):
        check(token)


def test_roles_given_as_one_string_are_a_mistake_not_a_substring_match() -> None:
    with pytest.raises(TypeError, match="roles"):
        verify(sign(CLAIMS, KEYS), KEYS, purpose="manage-booking", roles="customers", now=NOW)


def test_a_token_signed_with_the_old_key_still_verifies_after_rotation() -> None:
    old_token = sign(CLAIMS, [OLD])

    assert check(old_token, keys=(NEW, OLD)) == CLAIMS


def test_new_tokens_are_signed_with_the_first_key() -> None:
    token = sign(CLAIMS, (NEW, OLD))

    assert payload_of(token)["k"] == "k2"
    assert check(token, keys=(NEW,)) == CLAIMS


def test_a_token_signed_with_a_removed_key_is_refused() -> None:
    with pytest.raises(UnknownKey) as refused:
        check(sign(CLAIMS, [OLD]), keys=(NEW,))

    assert refused.value.kid == "k1"


def test_a_token_signed_with_another_secret_under_the_same_key_id_is_refused() -> None:
    impostor = SigningKey("k2", b"\x00" * 32)

    with pytest.raises(BadSignature):
        check(sign(CLAIMS, [impostor]))


def test_sign_refuses_a_token_too_long_to_be_verified() -> None:
    claims = Claims("manage-booking", "customer", "b-7", NOW, {"note": "x" * MAX_TOKEN_LENGTH})

    with pytest.raises(ValueError, match="characters"):
        sign(claims, KEYS)


def test_sign_needs_a_key() -> None:
    with pytest.raises(ValueError, match="no signing key"):
        sign(CLAIMS, [])


def test_keys_survive_formatting_and_parsing() -> None:
    keys = (generate_key("k3"), NEW, OLD)

    assert parse_keys(format_keys(keys)) == keys


def test_parse_keys_accepts_padding_and_spaces_around_entries() -> None:
    spec = f" k2 : {base64.urlsafe_b64encode(NEW.secret).decode()} ,\nk1:{b64(OLD.secret)}\n"

    assert parse_keys(spec) == (NEW, OLD)


def test_a_generated_key_has_a_random_32_byte_secret() -> None:
    first, second = generate_key("k9"), generate_key("k9")

    assert len(first.secret) == 32
    assert first.secret != second.secret


def test_a_key_never_shows_its_secret_in_its_repr() -> None:
    assert b64(NEW.secret) not in repr(NEW)
    assert repr(NEW.secret) not in repr(NEW)


SECRET = b64(b"s" * 32)


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("", "no signing keys"),
        ("  \n", "no signing keys"),
        (SECRET, "signing key 1 of 1 has no ':'"),
        (f"k1:{SECRET},,k2:{SECRET}", "signing key 2 of 3 is empty"),
        (f"k1:{SECRET},", "signing key 2 of 2 is empty"),
        (f"k1:{SECRET},k1:{SECRET}", "key id k1 is used twice"),
        (f"k 1:{SECRET}", "key id must be 1 to 16 letters"),
        (f":{SECRET}", "key id must be 1 to 16 letters"),
        (f"{'k' * 17}:{SECRET}", "key id must be 1 to 16 letters"),
        (f"k1:{b64(b's' * 31)}", r"\(k1\): the secret is 31 bytes, at least 32"),
        ("k1:", r"\(k1\): the secret is 0 bytes"),
        (f"k1:{SECRET[:-1]}+/", "not URL-safe base64"),
        (f"k1:{SECRET}:", "not URL-safe base64"),
    ],
)
def test_parse_keys_names_what_is_wrong(spec: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem) as refused:
        parse_keys(spec)

    assert SECRET not in str(refused.value)


def test_a_secret_written_where_the_key_id_belongs_is_not_repeated_in_the_error() -> None:
    with pytest.raises(ValueError, match="key id") as refused:
        parse_keys(f"{SECRET}:k1")

    assert SECRET not in str(refused.value)


@pytest.mark.parametrize(
    "token",
    [
        "",
        ".",
        "abc",
        "abc.",
        ".abc",
        "a.b.c",
        "ab=.cd",
        "ab+c.de/f",
        "é.é",
        "x" * (MAX_TOKEN_LENGTH + 1),
        b64(b"[" * 3000) + ".x",  # deeper than the JSON parser recurses
        b64(b"\xff\xfe") + ".x",
        b64(b"[1]") + ".x",
        b64(b'{"k": 7}') + ".x",
    ],
)
def test_garbage_is_refused_as_malformed(token: str) -> None:
    with pytest.raises(MalformedToken):
        check(token)


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "k2",
        {"k": "k2"},
        {"k": "k2", "p": "manage-booking", "r": "customer", "s": "b-1", "e": True},
        {"k": "k2", "p": "manage-booking", "r": "customer", "s": "b-1", "e": 1.5e9},
        {"k": "k2", "p": "manage-booking", "r": "customer", "s": "b-1", "e": 10**30},
        {"k": "k2", "p": "manage-booking", "r": "customer", "s": "b-1", "e": -(10**30)},
        {"k": "k2", "p": "manage-booking", "r": "customer", "s": 1042, "e": 2_000_000_000},
        {"k": "k2", "p": "manage-booking", "r": "customer", "s": "", "e": 2_000_000_000},
        {"k": "k2", "p": "manage-booking", "r": "customer", "s": "b", "e": 0, "d": []},
        {"k": "k2", "p": "manage-booking", "r": "customer", "s": "b", "e": 0, "d": {"a": 1}},
        {"k": "k2", "p": "manage-booking", "r": "customer", "s": "b", "e": 0, "x": "1"},
    ],
)
def test_a_signed_payload_of_the_wrong_shape_is_refused_as_malformed(payload: object) -> None:
    with pytest.raises(MalformedToken):
        check(forge(json.dumps(payload).encode()))


@fuzz
@given(st.text(max_size=MAX_TOKEN_LENGTH + 10))
def test_verify_raises_only_token_errors_for_any_text(text: str) -> None:
    with pytest.raises(TokenError):
        check(text)


@fuzz
@given(st.text(alphabet=string.ascii_letters + string.digits + "-_.=", max_size=200))
def test_verify_raises_only_token_errors_for_base64_like_text(text: str) -> None:
    with pytest.raises(TokenError):
        check(text)


@fuzz
@given(st.data())
def test_any_change_to_a_valid_token_is_refused(data: st.DataObject) -> None:
    token = sign(CLAIMS, KEYS)
    chars = list(token)
    for _ in range(data.draw(st.integers(1, 3), label="changes")):
        at = data.draw(st.integers(0, len(chars)), label="at")
        char = data.draw(st.characters() | st.sampled_from("AQgw-_.="), label="char")
        change = data.draw(st.sampled_from(["replace", "insert", "delete"]), label="change")
        if change == "insert" or at == len(chars):
            chars.insert(at, char)
        elif change == "replace":
            chars[at] = char
        else:
            del chars[at]
    mutated = "".join(chars)

    if mutated == token:
        assert check(mutated) == CLAIMS
    else:
        with pytest.raises(TokenError):
            check(mutated)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=12,
)
payloads = st.fixed_dictionaries(
    {"k": st.just("k2")},
    optional={
        "p": st.just("manage-booking") | json_values,
        "r": st.sampled_from(["customer", "dealer", "campaign"]) | json_values,
        "s": st.text(max_size=10) | json_values,
        "e": st.integers() | json_values,
        "d": st.dictionaries(st.text(max_size=5), st.text(max_size=5)) | json_values,
        "x": json_values,
    },
)


@fuzz
@given(payloads)
def test_verify_raises_only_token_errors_even_for_strange_signed_payloads(
    payload: dict[str, Any],
) -> None:
    try:
        claims = check(forge(json.dumps(payload).encode()))
    except TokenError:
        return
    assert claims.subject == payload["s"]
