import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.text import fold, search_document, search_terms


@pytest.mark.parametrize("typed", ["München", "munchen", "MÜNCHEN", "Mu\u0308nchen", "  münchen! "])
def test_munich_is_found_however_it_is_typed(typed: str) -> None:
    assert fold(typed) == "munchen"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Straße", "strasse"),
        ("STRASSE", "strasse"),
        ("Saint-Étienne", "saint etienne"),
        ("Øresund", "oresund"),
        ("Æbeltoft", "aebeltoft"),
        ("Œuvre", "oeuvre"),
        ("Łódź", "lodz"),
        ("Đakovo", "dakovo"),
        ("Þingvellir", "thingvellir"),
        ("İstanbul", "istanbul"),
        ("Ｔｏｋｙｏ", "tokyo"),
        ("Москва", "москва"),
        ("O'Brien & Söhne GmbH", "o brien sohne gmbh"),
        ("", ""),
        (" -- ", ""),
    ],
)
def test_fold_drops_case_accents_and_punctuation(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize("text", ["50%", "a_b", "100 % off", "%_%", "\\%", "a\\_b"])
def test_like_wildcards_never_survive_folding(text: str) -> None:
    folded = fold(text)

    assert "%" not in folded
    assert "_" not in folded
    assert "\\" not in folded


@settings(database=None, max_examples=500)
@given(st.text())
def test_fold_leaves_only_words_of_letters_and_digits(text: str) -> None:
    folded = fold(text)

    assert all(word.isalnum() for word in folded.split(" ")) or folded == ""
    assert fold(folded) == folded


def test_search_terms_are_the_distinct_folded_words() -> None:
    assert search_terms("Bäckerei  bäckerei, Müller & Söhne") == ["backerei", "muller", "sohne"]


def test_search_terms_are_limited_in_number_and_length() -> None:
    query = " ".join(f"w{i}" for i in range(20)) + " " + "x" * 100

    assert search_terms(query) == [f"w{i}" for i in range(8)]
    assert search_terms(query, limit=2) == ["w0", "w1"]
    assert search_terms("x" * 100) == ["x" * 40]
    assert search_terms("a b", limit=0) == []


def test_a_query_of_only_punctuation_has_no_terms() -> None:
    assert search_terms(" %_% -- ") == []


def test_a_search_document_has_a_space_before_every_word() -> None:
    document = search_document("Autohaus Müller", "", "Hamburg-Altona")

    assert document == " autohaus muller hamburg altona "
    for term in search_terms("müll ALTONA"):
        assert f" {term}" in document


def test_an_empty_search_document_is_a_single_space() -> None:
    assert search_document() == " "
    assert search_document("", "--") == " "
