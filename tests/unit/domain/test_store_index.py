import heapq

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.geo import Point, planar_sort_key
from server.domain.store_index import IndexedStore, StoreIndex, compact_postal_code
from server.domain.text import search_document


def store(
    id: int,
    name: str,
    city: str = "Berlin",
    postal_code: str = "10115",
    at: tuple[float, float] = (52.52, 13.40),
    channels: str = "in_store",
    country: str = "DE",
) -> IndexedStore[str]:
    return IndexedStore(
        id=id,
        name=name,
        words=tuple(search_document(name, city, postal_code).split()),
        point=Point(*at),
        country=country,
        channels=frozenset(channels.split()),
        postal_code=postal_code,
        payload=f"payload {id}",
    )


NETWORK = StoreIndex(
    [
        store(1, "Zweirad Mitte", "Berlin", "10115", (52.53, 13.38)),
        store(2, "Brillen Müller", "München", "80331", (48.14, 11.57), "in_store online"),
        store(3, "Optik am Markt", "Hamburg", "20095", (53.55, 9.99), "online"),
        store(4, "Berliner Brillen", "Potsdam", "14467", (52.40, 13.06), "in_store at_home"),
        store(5, "Bridge Optics", "New York", "10001", (40.75, -73.99), country="US"),
    ]
)


def names(found: list[IndexedStore[str]]) -> list[str]:
    return [s.name for s in found]


def test_without_words_or_position_every_store_comes_in_name_order() -> None:
    assert names(NETWORK.search()) == [
        "Berliner Brillen",
        "Bridge Optics",
        "Brillen Müller",
        "Optik am Markt",
        "Zweirad Mitte",
    ]


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        (["berlin"], ["Berliner Brillen", "Zweirad Mitte"]),  # name prefix and city
        (["muller"], ["Brillen Müller"]),  # folded like the query
        (["bri"], ["Berliner Brillen", "Bridge Optics", "Brillen Müller"]),
        (["brillen", "potsdam"], ["Berliner Brillen"]),  # every word must match
        (["brillen", "hamburg"], []),
        (["200"], ["Optik am Markt"]),  # postal code prefix
        (["erlin"], []),  # inside a word is not a prefix
        (["berliner", "ber"], ["Berliner Brillen"]),  # both may match the same word
    ],
)
def test_words_match_by_prefix(terms: list[str], expected: list[str]) -> None:
    assert names(NETWORK.search(terms)) == expected


def test_a_channel_filters_and_an_unoffered_channel_finds_nothing() -> None:
    assert names(NETWORK.search(channel="online")) == ["Brillen Müller", "Optik am Markt"]
    assert names(NETWORK.search(["brillen"], channel="at_home")) == ["Berliner Brillen"]
    assert NETWORK.search(channel="carrier_pigeon") == []


def test_limit_caps_each_kind_of_search() -> None:
    assert len(NETWORK.search(limit=2)) == 2
    assert len(NETWORK.search(["bri"], limit=1)) == 1
    assert len(NETWORK.search(near=Point(52.5, 13.4), limit=3)) == 3
    assert len(NETWORK.search(["bri"], near=Point(52.5, 13.4), limit=2)) == 2


def test_near_a_point_the_nearest_come_first() -> None:
    found = NETWORK.search(near=Point(52.52, 13.40), limit=3)
    assert names(found) == ["Zweirad Mitte", "Berliner Brillen", "Optik am Markt"]
    found = NETWORK.search(["bri"], near=Point(40.7, -74.0))
    assert names(found)[0] == "Bridge Optics"


def test_near_a_point_far_from_every_store_still_finds_the_nearest() -> None:
    found = NETWORK.search(near=Point(-33.9, 151.2), limit=1)  # Sydney
    assert len(found) == 1


def test_the_payload_comes_back_with_its_store() -> None:
    assert [s.payload for s in NETWORK.search(["optik"])] == ["payload 3"]


def test_countries_and_channels_are_those_of_the_stores() -> None:
    assert NETWORK.countries == ("DE", "US")
    assert NETWORK.channels == {"in_store", "online", "at_home"}


def test_a_postal_code_is_placed_at_the_centre_of_its_longest_shared_prefix() -> None:
    index = StoreIndex(
        [
            store(1, "A", postal_code="80331", at=(48.0, 11.0)),
            store(2, "B", postal_code="80339", at=(48.2, 11.4)),
            store(3, "C", postal_code="81245", at=(48.1, 11.3)),
            store(4, "D", postal_code="SW1A 1AA", at=(51.5, -0.14)),
        ]
    )
    assert placed(index, "80331") == pytest.approx((48.0, 11.0))  # itself
    assert placed(index, "80335") == pytest.approx((48.1, 11.2))  # shares "8033" with A, B
    assert placed(index, "89999") is None  # only "8" is shared: too short
    assert placed(index, "81000") == pytest.approx((48.1, 11.3))
    assert placed(index, "sw1a2aa") == pytest.approx((51.5, -0.14))  # compact, any case


def placed(index: StoreIndex[str], postal_code: str) -> tuple[float, float] | None:
    centre = index.postal_code_centre(postal_code)
    return None if centre is None else (centre.lat, centre.lon)


def test_an_empty_index_answers_every_question_with_nothing() -> None:
    empty: StoreIndex[str] = StoreIndex([])
    assert empty.search() == []
    assert empty.search(["a"]) == []
    assert empty.search(near=Point(0, 0)) == []
    assert empty.postal_code_centre("10115") is None
    assert empty.countries == ()


def test_postal_codes_compare_compact_and_upper_case() -> None:
    assert compact_postal_code(" sw1a 1aa ") == "SW1A1AA"


coordinates = st.tuples(
    st.floats(min_value=-89.9, max_value=89.9), st.floats(min_value=-179.9, max_value=179.9)
)


@settings(max_examples=200, deadline=None)
@given(
    points=st.lists(coordinates, min_size=0, max_size=60),
    channels=st.lists(st.sampled_from(["in_store", "online", "in_store online"]), min_size=60),
    origin=coordinates,
    limit=st.integers(min_value=1, max_value=12),
    channel=st.sampled_from([None, "in_store", "online"]),
)
def test_the_grid_finds_exactly_what_ranking_every_store_finds(
    points: list[tuple[float, float]],
    channels: list[str],
    origin: tuple[float, float],
    limit: int,
    channel: str | None,
) -> None:
    stores = [store(i, f"S{i}", at=point, channels=channels[i]) for i, point in enumerate(points)]
    here = Point(*origin)
    offering = [s for s in stores if channel is None or channel in s.channels]
    expected = heapq.nsmallest(limit, offering, key=lambda s: planar_sort_key(here, s.point))

    found = StoreIndex(stores).search(channel=channel, near=here, limit=limit)

    distances = [planar_sort_key(here, s.point) for s in found]
    assert distances == sorted(distances)
    assert distances == pytest.approx([planar_sort_key(here, s.point) for s in expected])


words = st.text(alphabet="abcdn", min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(
    names=st.lists(st.lists(words, min_size=1, max_size=3), min_size=0, max_size=120),
    points=st.lists(coordinates, min_size=120, max_size=120),
    terms=st.lists(st.text(alphabet="abcdn", min_size=1, max_size=3), max_size=3, unique=True),
    near=st.none() | coordinates,
    channel=st.sampled_from([None, "in_store", "online"]),
    limit=st.integers(min_value=1, max_value=15),
)
def test_every_search_finds_what_checking_every_store_finds(
    names: list[list[str]],
    points: list[tuple[float, float]],
    terms: list[str],
    near: tuple[float, float] | None,
    channel: str | None,
    limit: int,
) -> None:
    """Rare terms are gathered from the word list and common ones walked store by store
    (`StoreIndex._plan`); with up to 120 stores from a five-letter vocabulary, both happen."""
    stores = [
        store(i, " ".join(name), city="", postal_code="", at=points[i], channels=kinds)
        for i, name in enumerate(names)
        for kinds in ["in_store online" if i % 3 else "in_store"]
    ]
    matching = [
        s
        for s in stores
        if (channel is None or channel in s.channels)
        and all(any(w.startswith(t) for w in s.words) for t in terms)
    ]

    found = StoreIndex(stores).search(
        terms, channel=channel, near=None if near is None else Point(*near), limit=limit
    )

    if near is None:
        expected = sorted(matching, key=lambda s: (s.name, s.id))[:limit]
        assert [s.id for s in found] == [s.id for s in expected]
    else:
        here = Point(*near)
        expected = heapq.nsmallest(limit, matching, key=lambda s: planar_sort_key(here, s.point))
        assert [planar_sort_key(here, s.point) for s in found] == pytest.approx(
            [planar_sort_key(here, s.point) for s in expected]
        )
        assert all(s in matching for s in found)
