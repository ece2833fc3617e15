import pytest

from server.adapters.gazetteer import Gazetteer
from server.domain.geo import Point, haversine_km

gazetteer = Gazetteer()


@pytest.mark.parametrize(
    "typed", ["Munchen", "München", "MÜNCHEN", "Muenchen", "Munich", "munich "]
)
def test_munich_is_found_by_its_names_in_any_spelling(typed: str) -> None:
    place = gazetteer.lookup(typed)

    assert place is not None
    assert (place.name, place.country) == ("Munich", "DE")
    assert haversine_km(place.point, Point(48.137, 11.575)) < 5
    assert place.population > 1_000_000


@pytest.mark.parametrize("typed", ["Koln", "Köln", "Koeln", "Cologne", "cologne"])
def test_cologne_is_found_by_its_names_in_any_spelling(typed: str) -> None:
    place = gazetteer.lookup(typed)

    assert place is not None
    assert (place.name, place.country) == ("Köln", "DE")


def test_of_several_springfields_the_largest_in_the_tenants_country_wins() -> None:
    place = gazetteer.lookup("Springfield", countries=["US"])

    assert place is not None
    assert place.country == "US"
    assert haversine_km(place.point, Point(37.215, -93.298)) < 10  # Springfield, Missouri


def test_a_city_in_the_tenants_countries_beats_a_larger_one_elsewhere() -> None:
    anywhere = gazetteer.lookup("London")
    in_canada = gazetteer.lookup("London", countries=("ca", "FR"))

    assert anywhere is not None
    assert anywhere.country == "GB"
    assert in_canada is not None
    assert (in_canada.name, in_canada.country) == ("London", "CA")


def test_without_a_city_in_the_tenants_countries_the_largest_anywhere_wins() -> None:
    place = gazetteer.lookup("Paris", countries=["DE"])

    assert place is not None
    assert place.country == "FR"


def test_airport_codes_do_not_hide_a_town_of_that_name() -> None:
    # Osh, Kyrgyzstan (four times larger) lists its airport code "OSS" as a name.
    place = gazetteer.lookup("Oss")

    assert place is not None
    assert place.country == "NL"


def test_a_smaller_dataset_finds_smaller_towns() -> None:
    place = Gazetteer(min_population=5000).lookup("Springfield", countries=["AU"])

    assert place is not None
    assert place.country == "AU"


@pytest.mark.parametrize("typed", ["Xyzzyville", "Munich Munich", "Москва", "x" * 500])
def test_an_unknown_name_gives_none(typed: str) -> None:
    assert gazetteer.lookup(typed) is None


@pytest.mark.parametrize("typed", ["", "   ", "--", "%_%"])
def test_an_empty_query_gives_none(typed: str) -> None:
    assert gazetteer.lookup(typed) is None


def test_countries_given_as_one_string_are_a_mistake() -> None:
    with pytest.raises(TypeError, match="countries"):
        gazetteer.lookup("London", countries="CA")


def test_only_the_published_city_lists_can_be_chosen() -> None:
    with pytest.raises(ValueError, match="min_population"):
        Gazetteer(min_population=100)
