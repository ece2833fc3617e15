from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.intervals import Occupancy, in_utc, merge, subtract
from server.domain.model import Interval

BERLIN = ZoneInfo("Europe/Berlin")
DAY = datetime(2027, 3, 1, tzinfo=UTC)


def at(clock: str) -> datetime:
    """`"09:30"` on the test day, `"02:00+1"` on the day after."""
    clock, _, days = clock.partition("+")
    hours, minutes = clock.split(":")
    return DAY + timedelta(days=int(days or 0), hours=int(hours), minutes=int(minutes))


def span(text: str) -> Interval:
    """`"09:00-13:00"`, or `"22:00-02:00+1"` across midnight."""
    start, end = text.split("-")
    return Interval(at(start), at(end))


def spans(*texts: str) -> list[Interval]:
    return [span(text) for text in texts]


# merge


def test_merging_nothing_gives_nothing() -> None:
    assert merge([]) == []


def test_overlapping_intervals_merge_into_one() -> None:
    assert merge(spans("09:00-12:00", "11:00-14:00")) == spans("09:00-14:00")


def test_touching_intervals_merge_so_an_appointment_can_run_across_the_seam() -> None:
    assert merge(spans("13:00-18:00", "09:00-13:00")) == spans("09:00-18:00")


def test_a_contained_interval_disappears_into_the_one_containing_it() -> None:
    assert merge(spans("09:00-18:00", "10:00-11:00")) == spans("09:00-18:00")


def test_a_containing_interval_swallows_an_earlier_smaller_one() -> None:
    assert merge(spans("10:00-11:00", "10:00-12:00", "09:00-18:00")) == spans("09:00-18:00")


def test_separate_intervals_stay_apart_and_come_out_sorted() -> None:
    assert merge(spans("14:00-15:00", "09:00-10:00")) == spans("09:00-10:00", "14:00-15:00")


def test_intervals_crossing_midnight_merge_like_any_other() -> None:
    assert merge(spans("22:00-02:00+1", "01:00+1-03:00+1")) == spans("22:00-03:00+1")


def test_zero_length_intervals_cover_no_time_and_are_dropped() -> None:
    assert merge(spans("09:00-09:00", "10:00-11:00", "11:00-11:00")) == spans("10:00-11:00")


def test_intervals_in_different_zones_are_merged_as_instants_and_returned_in_utc() -> None:
    # 10:00 in Berlin in March is 09:00 UTC, so this touches 08:00-09:00 UTC.
    berlin = Interval(
        datetime(2027, 3, 1, 10, tzinfo=BERLIN), datetime(2027, 3, 1, 11, tzinfo=BERLIN)
    )
    (merged,) = merge([berlin, span("08:00-09:00")])
    assert merged == span("08:00-10:00")
    assert merged.start.tzinfo is UTC


def test_the_two_occurrences_of_a_repeated_wall_time_are_different_instants() -> None:
    # Berlin lives 02:00-03:00 twice on 2027-10-31; compared within one zone the two 02:00s
    # would look equal and the half hours after them would be merged.
    first = datetime(2027, 10, 31, 2, 0, tzinfo=BERLIN)
    first_end = first.replace(minute=30)
    second, second_end = first.replace(fold=1), first_end.replace(fold=1)
    merged = merge([Interval(second, second_end), Interval(first, first_end)])
    assert [(m.start.hour, m.end.hour, m.end.minute) for m in merged] == [(0, 0, 30), (1, 1, 30)]


def test_in_utc_keeps_the_instant_and_changes_only_the_zone() -> None:
    berlin = datetime(2027, 10, 31, 2, 30, fold=1, tzinfo=BERLIN)
    moved = in_utc(Interval(berlin, berlin))
    assert moved.start == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    assert moved.start.tzinfo is UTC


# subtract


def test_a_hole_in_the_middle_splits_an_interval_in_two() -> None:
    assert subtract(spans("09:00-18:00"), spans("12:00-13:00")) == spans(
        "09:00-12:00", "13:00-18:00"
    )


def test_a_hole_covering_the_whole_interval_leaves_nothing() -> None:
    assert subtract(spans("09:00-18:00"), spans("00:00-00:00+1")) == []


def test_a_hole_exactly_the_size_of_the_interval_leaves_nothing() -> None:
    assert subtract(spans("09:00-18:00"), spans("09:00-18:00")) == []


def test_a_touching_hole_cuts_nothing() -> None:
    assert subtract(spans("09:00-18:00"), spans("08:00-09:00", "18:00-19:00")) == spans(
        "09:00-18:00"
    )


def test_holes_overlapping_either_end_trim_the_interval() -> None:
    assert subtract(spans("09:00-18:00"), spans("08:00-10:00", "17:00-19:00")) == spans(
        "10:00-17:00"
    )


def test_one_hole_can_span_several_intervals_over_several_days() -> None:
    week = spans("09:00-18:00", "09:00+1-18:00+1", "09:00+2-18:00+2", "09:00+3-18:00+3")
    assert subtract(week, spans("12:00-15:00+2")) == spans(
        "09:00-12:00", "15:00+2-18:00+2", "09:00+3-18:00+3"
    )


def test_several_holes_in_one_interval_leave_the_pieces_between_them() -> None:
    assert subtract(spans("09:00-18:00"), spans("10:00-11:00", "14:00-15:00")) == spans(
        "09:00-10:00", "11:00-14:00", "15:00-18:00"
    )


def test_a_zero_length_hole_cuts_nothing() -> None:
    assert subtract(spans("09:00-18:00"), spans("12:00-12:00")) == spans("09:00-18:00")


def test_subtracting_from_overlapping_intervals_first_merges_them() -> None:
    assert subtract(spans("09:00-13:00", "13:00-18:00"), []) == spans("09:00-18:00")


def test_a_hole_across_midnight_cuts_both_days() -> None:
    assert subtract(spans("20:00-04:00+1"), spans("23:00-01:00+1")) == spans(
        "20:00-23:00", "01:00+1-04:00+1"
    )


# Occupancy


def test_peak_counts_what_runs_at_the_same_instant_not_what_touches_the_window() -> None:
    busy = spans("09:00-10:00", "10:00-11:00", "09:30-09:45")
    assert Occupancy(busy).peak(span("09:00-11:00")) == 2


def test_touching_intervals_never_run_at_the_same_instant() -> None:
    assert Occupancy(spans("09:00-10:00", "10:00-11:00")).peak(span("09:00-11:00")) == 1


def test_an_interval_ending_where_the_window_starts_is_not_in_it() -> None:
    occupancy = Occupancy(spans("09:00-10:00", "11:00-12:00"))
    assert occupancy.peak(span("10:00-11:00")) == 0


def test_an_interval_containing_the_window_counts() -> None:
    assert Occupancy(spans("08:00-20:00")).peak(span("10:00-11:00")) == 1


def test_an_interval_contained_in_the_window_counts() -> None:
    assert Occupancy(spans("10:15-10:30")).peak(span("10:00-11:00")) == 1


def test_three_identical_intervals_peak_at_three() -> None:
    assert (
        Occupancy(spans("10:00-11:00", "10:00-11:00", "10:00-11:00")).peak(span("10:30-10:31")) == 3
    )


def test_zero_length_intervals_occupy_nothing() -> None:
    assert Occupancy(spans("10:00-10:00", "10:30-10:30")).peak(span("09:00-12:00")) == 0


def test_an_empty_window_has_no_instant_and_so_no_peak() -> None:
    assert Occupancy(spans("09:00-12:00")).peak(span("10:00-10:00")) == 0


def test_no_intervals_mean_no_peak() -> None:
    assert Occupancy([]).peak(span("09:00-12:00")) == 0


def test_intervals_across_midnight_are_counted_on_both_days() -> None:
    occupancy = Occupancy(spans("23:00-01:00+1", "00:30+1-02:00+1"))
    assert occupancy.peak(span("00:00+1-00:45+1")) == 2
    assert occupancy.peak(span("22:00-00:30+1")) == 1


# Against brute force

minutes = st.integers(min_value=0, max_value=24 * 60)
intervals = st.builds(
    lambda start, length: Interval(
        DAY + timedelta(minutes=start), DAY + timedelta(minutes=start + length)
    ),
    minutes,
    st.integers(min_value=0, max_value=300),
)


def covered(pieces: list[Interval], minute: int) -> bool:
    moment = DAY + timedelta(minutes=minute, seconds=30)
    return any(piece.start <= moment < piece.end for piece in pieces)


@settings(database=None, max_examples=200)
@given(st.lists(intervals, max_size=8), st.lists(intervals, max_size=5))
def test_subtract_covers_exactly_the_minutes_in_some_interval_and_no_hole(
    whole: list[Interval], holes: list[Interval]
) -> None:
    result = subtract(whole, holes)
    for minute in range(0, 30 * 60):
        assert covered(result, minute) == (covered(whole, minute) and not covered(holes, minute))
    # Disjoint, sorted and not touching: nothing left to merge.
    assert all(a.end < b.start for a, b in pairwise(result))


@settings(database=None, max_examples=200)
@given(st.lists(intervals, max_size=10), intervals)
def test_peak_matches_counting_at_every_instant_where_the_count_can_change(
    busy: list[Interval], window: Interval
) -> None:
    instants = [window.start] + [i.start for i in busy if window.start < i.start < window.end]
    expected = max(
        (
            sum(i.start <= moment < i.end for i in busy)
            for moment in instants
            if moment < window.end
        ),
        default=0,
    )
    assert Occupancy(busy).peak(window) == expected
