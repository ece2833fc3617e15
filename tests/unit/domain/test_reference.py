import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.reference import ALPHABET, new_reference, normalize_reference


def test_a_reference_is_three_and_three_characters_of_the_alphabet() -> None:
    reference = new_reference()

    assert len(reference) == 7
    assert reference[3] == "-"
    assert set(reference.replace("-", "")) <= set(ALPHABET)


def test_the_alphabet_has_no_look_alikes() -> None:
    assert not set("0O1IL2Z5S8B") & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET) == 25


def test_references_are_drawn_with_the_given_random_source() -> None:
    draws = iter([0, 24, 8, 20, 5, 14])
    bounds: list[int] = []

    def randbelow(n: int) -> int:
        bounds.append(n)
        return next(draws)

    assert new_reference(randbelow) == "A9K-3GT"
    assert bounds == [25] * 6


def test_every_character_of_the_alphabet_can_be_drawn() -> None:
    draws = itertools.count()
    drawn = "".join(new_reference(lambda n: next(draws) % n) for _ in range(5))

    assert set(drawn.replace("-", "")) == set(ALPHABET)


@pytest.mark.parametrize(
    "typed",
    ["K7P-4QX", "k7p-4qx", "K7P4QX", "k7p4qx", "  k7p-4qx\n", "K7P 4QX", "\tK7p4Qx "],
)
def test_a_reference_is_recognised_however_it_was_typed(typed: str) -> None:
    assert normalize_reference(typed) == "K7P-4QX"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "K7P-4Q",
        "K7P-4QXA",
        "K7-P4QX",
        "K7P--4QX",
        "K7P-4QO",  # O is not in the alphabet: it would be confused with 0
        "B7P-4QX",
        "K7P_4QX",
        "ＫＰ7-4QX",
        "ﬀA-AAA",  # upper-cases to "FFA-AAA", but nobody types that ligature
    ],
)
def test_text_that_cannot_be_a_reference_gives_none(typed: str) -> None:
    assert normalize_reference(typed) is None


@settings(database=None)
@given(st.text(max_size=12))
def test_normalize_gives_none_or_a_reference_that_normalizes_to_itself(text: str) -> None:
    normal = normalize_reference(text)

    assert normal is None or normalize_reference(normal) == normal


@settings(database=None)
@given(st.lists(st.integers(0, 24), min_size=6, max_size=6))
def test_every_new_reference_is_already_normal(draws: list[int]) -> None:
    source = iter(draws)
    reference = new_reference(lambda n: next(source))

    assert normalize_reference(reference) == reference
    assert normalize_reference(reference.lower().replace("-", "")) == reference
