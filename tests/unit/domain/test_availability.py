from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.availability import (
    StartCheck,
    busy_interval,
    check_start,
    free_slots,
    group_by_local_day,
    offered_slots,
    opening_intervals,
    peak_concurrency,
)
from server.domain.model import (
    ChannelRules,
    Interval,
    Slot,
    StoreSchedule,
    WeeklyOpening,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
ONE_DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
MONDAY = date(2027, 3, 1)
TUESDAY = MONDAY + timedelta(days=1)
#: "Now" for every test that is not about lead time or horizon: long before the test days.
LONG_AGO = datetime(2027, 1, 1, tzinfo=UTC)


def clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def daily(*hours: str) -> tuple[WeeklyOpening, ...]:
    """The same opening hours every day of the week, e.g. `daily("09:00-13:00", "14:00-18:00")`."""
    return tuple(on(weekday, span) for weekday in range(7) for span in hours)


def on(weekday: int, hours: str) -> WeeklyOpening:
    opens, closes = hours.split("-")
    return WeeklyOpening(weekday, clock(opens), clock(closes))


def store(
    weekly: tuple[WeeklyOpening, ...],
    *,
    tz: ZoneInfo = BERLIN,
    closures: tuple[Interval, ...] = (),
    lead: timedelta = timedelta(0),
    horizon: timedelta = timedelta(days=400),
    step: timedelta = timedelta(minutes=30),
) -> StoreSchedule:
    return StoreSchedule(tz, weekly, closures, lead_time=lead, horizon=horizon, slot_step=step)


def rules(minutes: int = 30, capacity: int = 1, buffer: int = 0) -> ChannelRules:
    return ChannelRules(timedelta(minutes=minutes), capacity, timedelta(minutes=buffer))


def at(day: date, wall: str, tz: ZoneInfo = BERLIN, fold: int = 0) -> datetime:
    return datetime.combine(day, clock(wall), tzinfo=tz).replace(fold=fold)


def local_span(first: date, opens: str, last: date, closes: str) -> Interval:
    return Interval(at(first, opens), at(last, closes))


def booking(day: date, wall: str, minutes: int = 30, buffer: int = 0) -> Interval:
    return busy_interval(at(day, wall), rules(minutes, buffer=buffer))


def slots_on(
    schedule: StoreSchedule,
    day: date,
    channel: ChannelRules | None = None,
    busy: tuple[Interval, ...] = (),
    now: datetime = LONG_AGO,
) -> list[Slot]:
    return free_slots(schedule, channel or rules(), busy, day, day, now)


def walls(slots: list[Slot], tz: ZoneInfo = BERLIN) -> list[str]:
    """Slot starts as local wall times, the way a customer reads them."""
    return [slot.start.astimezone(tz).strftime("%H:%M") for slot in slots]


def grid(first: str, last: str, minutes: int = 30) -> list[str]:
    """Wall times from `first` to `last` inclusive, every `minutes`, on an ordinary day."""
    start = datetime.combine(MONDAY, clock(first))
    end = datetime.combine(MONDAY, clock(last))
    count = (end - start) // timedelta(minutes=minutes) + 1
    return [(start + i * timedelta(minutes=minutes)).strftime("%H:%M") for i in range(count)]


# Opening intervals


def test_opening_hours_become_utc_intervals_in_the_store_zone() -> None:
    (monday,) = opening_intervals(store((on(0, "09:00-18:00"),)), MONDAY, MONDAY)
    assert monday == Interval(
        datetime(2027, 3, 1, 8, tzinfo=UTC), datetime(2027, 3, 1, 17, tzinfo=UTC)
    )
    assert monday.start.tzinfo is UTC


def test_touching_openings_make_one_span() -> None:
    schedule = store(daily("09:00-13:00", "13:00-18:00"))
    assert opening_intervals(schedule, TUESDAY, TUESDAY)[-1] == local_span(
        TUESDAY, "09:00", TUESDAY, "18:00"
    )


def test_overlapping_openings_make_one_span() -> None:
    schedule = store(daily("09:00-14:00", "12:00-18:00", "10:00-11:00"))
    assert opening_intervals(schedule, TUESDAY, TUESDAY)[-1] == local_span(
        TUESDAY, "09:00", TUESDAY, "18:00"
    )


def test_an_opening_that_crosses_midnight_closes_on_the_next_local_date() -> None:
    schedule = store((on(0, "22:00-02:00"),))
    assert opening_intervals(schedule, MONDAY, MONDAY) == [
        local_span(MONDAY, "22:00", TUESDAY, "02:00")
    ]


def test_the_opening_of_the_day_before_is_included_for_its_hours_after_midnight() -> None:
    schedule = store((on(0, "22:00-02:00"),))
    assert opening_intervals(schedule, TUESDAY, TUESDAY) == [
        local_span(MONDAY, "22:00", TUESDAY, "02:00")
    ]


def test_an_opening_equal_at_both_ends_is_open_around_the_clock() -> None:
    (whole_day,) = opening_intervals(store((on(0, "00:00-00:00"),)), MONDAY, MONDAY)
    assert whole_day.duration == timedelta(hours=24)


def test_a_closure_in_the_middle_cuts_an_opening_in_two() -> None:
    lunch = local_span(MONDAY, "12:00", MONDAY, "13:00")
    schedule = store((on(0, "09:00-18:00"),), closures=(lunch,))
    assert opening_intervals(schedule, MONDAY, MONDAY) == [
        local_span(MONDAY, "09:00", MONDAY, "12:00"),
        local_span(MONDAY, "13:00", MONDAY, "18:00"),
    ]


def test_a_closure_covering_a_whole_day_removes_it() -> None:
    holiday = local_span(TUESDAY, "00:00", TUESDAY + timedelta(days=1), "00:00")
    schedule = store(daily("09:00-18:00"), closures=(holiday,))
    assert opening_intervals(schedule, TUESDAY, TUESDAY) == [
        local_span(MONDAY, "09:00", MONDAY, "18:00")
    ]


def test_a_closure_spanning_several_days_removes_them_all() -> None:
    holidays = local_span(MONDAY, "12:00", MONDAY + timedelta(days=3), "12:00")
    schedule = store(daily("09:00-18:00"), closures=(holidays,))
    assert opening_intervals(schedule, MONDAY, MONDAY + timedelta(days=4)) == [
        local_span(MONDAY - timedelta(days=1), "09:00", MONDAY - timedelta(days=1), "18:00"),
        local_span(MONDAY, "09:00", MONDAY, "12:00"),
        local_span(MONDAY + timedelta(days=3), "12:00", MONDAY + timedelta(days=3), "18:00"),
        local_span(MONDAY + timedelta(days=4), "09:00", MONDAY + timedelta(days=4), "18:00"),
    ]


def test_a_night_opening_across_the_spring_change_lasts_its_real_hours() -> None:
    # 01:00 CET is 00:00 UTC and 04:00 CEST is 02:00 UTC: the clocks skip 02:00-03:00.
    sunday = date(2027, 3, 28)
    schedule = store((on(sunday.weekday(), "01:00-04:00"),))
    (night,) = opening_intervals(schedule, sunday, sunday)
    assert night == Interval(
        datetime(2027, 3, 28, 0, tzinfo=UTC), datetime(2027, 3, 28, 2, tzinfo=UTC)
    )
    assert night.duration == timedelta(hours=2)


def test_the_day_of_the_spring_change_is_23_hours_long_around_the_clock() -> None:
    sunday = date(2027, 3, 28)
    (whole_day,) = opening_intervals(store((on(6, "00:00-00:00"),)), sunday, sunday)
    assert whole_day.duration == timedelta(hours=23)


def test_wall_times_in_the_missing_spring_hour_are_read_as_zoneinfo_reads_them() -> None:
    # With fold=0 a missing 02:15 is taken at the winter offset: 01:15 UTC, 03:15 summer time.
    sunday = date(2027, 3, 28)
    schedule = store((on(6, "02:15-02:45"),))
    assert opening_intervals(schedule, sunday, sunday) == [
        Interval(datetime(2027, 3, 28, 1, 15, tzinfo=UTC), datetime(2027, 3, 28, 1, 45, tzinfo=UTC))
    ]
    assert walls(slots_on(schedule, sunday)) == ["03:15"]


def test_an_opening_the_missing_spring_hour_turns_inside_out_has_no_time_at_all() -> None:
    # 02:30 does not exist and reads as 03:30 summer time, which is after 03:00.
    sunday = date(2027, 3, 28)
    schedule = store((on(6, "02:30-03:00"),))
    assert opening_intervals(schedule, sunday, sunday) == []
    assert slots_on(schedule, sunday) == []


def test_no_days_give_no_opening_intervals() -> None:
    assert opening_intervals(store(daily("09:00-18:00")), TUESDAY, MONDAY) == []


# Busy intervals and peak concurrency


def test_a_booking_is_busy_for_its_duration_and_the_buffer_after_it() -> None:
    busy = busy_interval(at(MONDAY, "10:00"), rules(45, buffer=15))
    assert busy == Interval(at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    assert busy.start.tzinfo is UTC


def test_peak_is_what_runs_at_one_instant_not_how_many_touch_the_window() -> None:
    busy = [
        booking(MONDAY, "09:00", 60),
        booking(MONDAY, "10:00", 60),
        booking(MONDAY, "09:30", 15),
    ]
    assert peak_concurrency(busy, local_span(MONDAY, "09:00", MONDAY, "11:00")) == 2


def test_touching_bookings_do_not_run_at_the_same_time() -> None:
    busy = [booking(MONDAY, "09:00", 60), booking(MONDAY, "10:00", 60)]
    assert peak_concurrency(busy, local_span(MONDAY, "09:00", MONDAY, "11:00")) == 1


# Free slots: the grid


def test_a_day_offers_every_step_that_fits_before_closing() -> None:
    assert walls(slots_on(store(daily("09:00-12:00")), MONDAY)) == grid("09:00", "11:30")


def test_a_longer_appointment_must_end_by_closing() -> None:
    slots = slots_on(store(daily("09:00-12:00")), MONDAY, rules(60))
    assert walls(slots) == grid("09:00", "11:00")
    assert all(slot.end - slot.start == timedelta(hours=1) for slot in slots)


def test_the_grid_starts_at_the_opening_time_even_off_the_hour() -> None:
    assert walls(slots_on(store(daily("09:15-18:00")), MONDAY)) == grid("09:15", "17:15")


def test_several_openings_a_day_each_offer_their_own_slots() -> None:
    slots = slots_on(store(daily("09:00-12:00", "14:00-16:00")), MONDAY, rules(60))
    assert walls(slots) == [*grid("09:00", "11:00"), *grid("14:00", "15:00")]


def test_an_appointment_may_run_across_two_touching_openings() -> None:
    slots = slots_on(store(daily("09:00-13:00", "13:00-18:00")), MONDAY, rules(60))
    assert "12:30" in walls(slots)
    assert walls(slots) == grid("09:00", "17:00")


def test_overlapping_openings_offer_each_start_once_and_in_order() -> None:
    slots = slots_on(store(daily("09:00-12:00", "10:00-13:00", "09:00-10:00")), MONDAY)
    assert walls(slots) == grid("09:00", "12:30")


def test_openings_with_different_grids_interleave_in_order() -> None:
    slots = slots_on(store(daily("09:00-11:00", "09:15-10:30")), MONDAY)
    # 10:15 belongs to the 09:15 grid and fits in the merged 09:00-11:00 span.
    assert walls(slots) == grid("09:00", "10:30", minutes=15)


def test_slots_are_utc() -> None:
    (first, *_) = slots_on(store(daily("09:00-12:00")), MONDAY)
    assert first == Slot(
        datetime(2027, 3, 1, 8, tzinfo=UTC), datetime(2027, 3, 1, 8, 30, tzinfo=UTC)
    )
    assert first.start.tzinfo is UTC


def test_a_closure_in_the_middle_removes_the_slots_it_touches() -> None:
    lunch = local_span(MONDAY, "12:00", MONDAY, "13:00")
    slots = slots_on(store(daily("09:00-15:00"), closures=(lunch,)), MONDAY, rules(60))
    assert walls(slots) == [*grid("09:00", "11:00"), *grid("13:00", "14:00")]


def test_a_closure_off_the_grid_does_not_shift_the_grid() -> None:
    dentist = local_span(MONDAY, "10:10", MONDAY, "11:10")
    slots = slots_on(store(daily("09:00-13:00"), closures=(dentist,)), MONDAY)
    assert walls(slots) == ["09:00", "09:30", *grid("11:30", "12:30")]


def test_a_closure_covering_the_day_leaves_no_slots() -> None:
    holiday = local_span(MONDAY, "00:00", TUESDAY, "00:00")
    schedule = store(daily("09:00-18:00"), closures=(holiday,))
    assert slots_on(schedule, MONDAY) == []
    assert walls(slots_on(schedule, TUESDAY)) == grid("09:00", "17:30")


def test_a_closure_over_several_days_leaves_no_slots_on_any_of_them() -> None:
    holidays = local_span(MONDAY, "00:00", MONDAY + timedelta(days=3), "00:00")
    schedule = store(daily("09:00-18:00"), closures=(holidays,))
    slots = free_slots(schedule, rules(), (), MONDAY, MONDAY + timedelta(days=3), LONG_AGO)
    assert list(group_by_local_day(slots, BERLIN)) == [MONDAY + timedelta(days=3)]


def test_a_night_opening_gives_slots_on_the_next_local_date() -> None:
    schedule = store((on(0, "22:00-02:00"),))
    assert walls(slots_on(schedule, MONDAY)) == grid("22:00", "23:30")
    assert walls(slots_on(schedule, TUESDAY)) == grid("00:00", "01:30")


def test_an_appointment_late_on_the_last_day_may_run_into_the_next_days_opening() -> None:
    schedule = store((on(0, "20:00-00:00"), on(1, "00:00-02:00")))
    one_day = slots_on(schedule, MONDAY, rules(60))
    assert walls(one_day)[-1] == "23:30"
    two_days = free_slots(schedule, rules(60), (), MONDAY, TUESDAY, LONG_AGO)
    assert group_by_local_day(two_days, BERLIN)[MONDAY] == one_day


def test_no_days_give_no_slots() -> None:
    assert free_slots(store(daily("09:00-18:00")), rules(), (), TUESDAY, MONDAY, LONG_AGO) == []


def test_offered_slots_are_the_free_slots_of_an_empty_calendar() -> None:
    schedule = store(daily("09:00-12:00", "22:00-01:00"))
    assert offered_slots(schedule, rules(45), MONDAY, TUESDAY, LONG_AGO) == free_slots(
        schedule, rules(45), (), MONDAY, TUESDAY, LONG_AGO
    )


# Free slots: bookings


def test_a_booking_blocks_its_own_slot() -> None:
    busy = (booking(MONDAY, "10:00"),)
    assert "10:00" not in walls(slots_on(store(daily("09:00-12:00")), MONDAY, busy=busy))


def test_a_booking_that_touches_a_slot_does_not_block_it() -> None:
    busy = (booking(MONDAY, "10:00"),)
    slots = walls(slots_on(store(daily("09:00-12:00")), MONDAY, busy=busy))
    assert slots == ["09:00", "09:30", "10:30", "11:00", "11:30"]


def test_a_booking_contained_in_a_slot_blocks_it() -> None:
    busy = (booking(MONDAY, "10:10", 10),)
    slots = walls(slots_on(store(daily("09:00-12:00")), MONDAY, rules(60), busy))
    assert slots == ["09:00", "10:30", "11:00"]


def test_a_booking_containing_slots_blocks_them_all() -> None:
    busy = (booking(MONDAY, "09:15", 120),)
    assert walls(slots_on(store(daily("09:00-12:00")), MONDAY, busy=busy)) == ["11:30"]


def test_a_booking_overlapping_the_edge_of_a_slot_blocks_it() -> None:
    busy = (booking(MONDAY, "10:45", 30),)
    slots = walls(slots_on(store(daily("09:00-12:00")), MONDAY, busy=busy))
    assert slots == ["09:00", "09:30", "10:00", "11:30"]


def test_a_zero_length_busy_interval_blocks_nothing() -> None:
    busy = (Interval(at(MONDAY, "10:00"), at(MONDAY, "10:00")),)
    assert walls(slots_on(store(daily("09:00-12:00")), MONDAY, busy=busy)) == grid("09:00", "11:30")


def test_the_buffer_after_a_booking_blocks_the_slot_right_after_it() -> None:
    channel = rules(30, buffer=15)
    busy = (busy_interval(at(MONDAY, "10:00"), channel),)
    slots = walls(slots_on(store(daily("09:00-12:00")), MONDAY, channel, busy))
    assert slots == ["09:00", "11:00", "11:30"]


def test_a_slot_needs_its_own_buffer_free_before_the_next_booking() -> None:
    channel = rules(30, buffer=15)
    busy = (busy_interval(at(MONDAY, "11:00"), channel),)
    slots = walls(slots_on(store(daily("09:00-13:00")), MONDAY, channel, busy))
    assert "10:00" in slots
    assert "10:30" not in slots


def test_the_buffer_may_run_past_closing_time() -> None:
    channel = rules(30, buffer=60)
    assert walls(slots_on(store(daily("09:00-12:00")), MONDAY, channel))[-1] == "11:30"


def test_with_capacity_three_two_bookings_at_the_same_time_leave_a_place() -> None:
    busy = (booking(MONDAY, "10:00"), booking(MONDAY, "10:00"))
    assert "10:00" in walls(slots_on(store(daily("09:00-12:00")), MONDAY, rules(capacity=3), busy))


def test_with_capacity_three_the_third_booking_at_the_same_time_fills_the_slot() -> None:
    busy = (booking(MONDAY, "10:00"), booking(MONDAY, "10:00"), booking(MONDAY, "10:00"))
    assert "10:00" not in walls(
        slots_on(store(daily("09:00-12:00")), MONDAY, rules(capacity=3), busy)
    )


def test_capacity_counts_bookings_at_one_instant_not_all_bookings_in_the_slot() -> None:
    busy = (
        booking(MONDAY, "09:00", 60),
        booking(MONDAY, "10:00", 60),
        booking(MONDAY, "09:30", 15),
    )
    schedule = store(daily("09:00-12:00"))
    assert "09:00" in walls(slots_on(schedule, MONDAY, rules(120, capacity=3), busy))
    assert "09:00" not in walls(slots_on(schedule, MONDAY, rules(120, capacity=2), busy))


def test_bookings_in_another_zone_are_compared_as_instants() -> None:
    ten_in_berlin = datetime(2027, 3, 1, 4, tzinfo=NEW_YORK)
    busy = (busy_interval(ten_in_berlin, rules()),)
    assert "10:00" not in walls(slots_on(store(daily("09:00-12:00")), MONDAY, busy=busy))


# Lead time and horizon


def test_a_slot_exactly_at_the_end_of_the_lead_time_is_offered() -> None:
    schedule = store(daily("09:00-12:00"), lead=timedelta(hours=2))
    now = at(MONDAY, "08:00")
    assert walls(slots_on(schedule, MONDAY, now=now))[0] == "10:00"


def test_a_slot_one_second_inside_the_lead_time_is_not_offered() -> None:
    schedule = store(daily("09:00-12:00"), lead=timedelta(hours=2))
    now = at(MONDAY, "08:00") + timedelta(seconds=1)
    assert walls(slots_on(schedule, MONDAY, now=now))[0] == "10:30"


def test_a_slot_exactly_at_the_horizon_is_offered_and_the_next_step_is_not() -> None:
    schedule = store(daily("08:00-18:00"), horizon=timedelta(days=10))
    now = at(MONDAY, "08:00")
    assert walls(slots_on(schedule, MONDAY + timedelta(days=10), now=now)) == ["08:00"]


def test_a_slot_one_second_beyond_the_horizon_is_not_offered() -> None:
    schedule = store(daily("08:00-18:00"), horizon=timedelta(days=10))
    now = at(MONDAY, "08:00") - timedelta(seconds=1)
    assert slots_on(schedule, MONDAY + timedelta(days=10), now=now) == []


# Daylight saving time

CHANGES = [
    # zone, day the clocks go forward, day they go back, the wall hour lived twice
    pytest.param(BERLIN, date(2027, 3, 28), date(2027, 10, 31), 2, id="Berlin"),
    pytest.param(NEW_YORK, date(2027, 3, 14), date(2027, 11, 7), 1, id="New York"),
]


def test_on_the_berlin_spring_day_nine_oclock_is_at_the_summer_offset() -> None:
    schedule = store(daily("09:00-18:00"))
    (sunday, *_) = slots_on(schedule, date(2027, 3, 28))
    (saturday, *_) = slots_on(schedule, date(2027, 3, 27))
    assert sunday.start.astimezone(BERLIN).isoformat() == "2027-03-28T09:00:00+02:00"
    assert saturday.start.astimezone(BERLIN).isoformat() == "2027-03-27T09:00:00+01:00"
    assert sunday.start == datetime(2027, 3, 28, 7, tzinfo=UTC)


@pytest.mark.parametrize(("tz", "spring", "autumn", "repeated_hour"), CHANGES)
def test_daytime_slots_keep_their_wall_times_on_both_change_days(
    tz: ZoneInfo, spring: date, autumn: date, repeated_hour: int
) -> None:
    schedule = store(daily("09:00-18:00"), tz=tz)
    for day, shift in ((spring, HOUR), (autumn, -HOUR)):
        slots, before = slots_on(schedule, day), slots_on(schedule, day - ONE_DAY)
        assert walls(slots, tz) == walls(before, tz) == grid("09:00", "17:30")
        offset = slots[0].start.astimezone(tz).utcoffset()
        assert offset == tz.utcoffset(datetime.combine(day, time(12)))
        assert offset == before[0].start.astimezone(tz).utcoffset() + shift


@pytest.mark.parametrize(("tz", "spring", "autumn", "repeated_hour"), CHANGES)
def test_a_night_opening_loses_one_real_hour_of_slots_in_spring(
    tz: ZoneInfo, spring: date, autumn: date, repeated_hour: int
) -> None:
    schedule = store(daily("22:00-06:00"), tz=tz)
    slots, week_before = slots_on(schedule, spring), slots_on(schedule, spring - 7 * ONE_DAY)
    assert len(week_before) == 16  # 00:00-06:00 and 22:00-24:00
    assert len(slots) == len(week_before) - 2
    assert len({slot.start for slot in slots}) == len(slots)
    assert all(slot.start.astimezone(tz).hour != 2 for slot in slots)
    # Every step is half an hour of real time, the clock change included.
    assert all(b.start - a.start == timedelta(minutes=30) for a, b in pairwise(slots[:10]))


@pytest.mark.parametrize(("tz", "spring", "autumn", "repeated_hour"), CHANGES)
def test_a_night_opening_gains_one_real_hour_of_slots_in_autumn(
    tz: ZoneInfo, spring: date, autumn: date, repeated_hour: int
) -> None:
    schedule = store(daily("22:00-06:00"), tz=tz)
    slots, week_before = slots_on(schedule, autumn), slots_on(schedule, autumn - 7 * ONE_DAY)
    assert len(slots) == len(week_before) + 2 == 18
    assert len({slot.start for slot in slots}) == len(slots)
    repeated = [
        s.start.astimezone(tz) for s in slots if s.start.astimezone(tz).hour == repeated_hour
    ]
    half_past = [moment for moment in repeated if moment.minute == 30]
    assert len(repeated) == 4
    assert len(half_past) == 2
    assert half_past[0].utcoffset() == half_past[1].utcoffset() + HOUR


@pytest.mark.parametrize(("tz", "spring", "autumn", "repeated_hour"), CHANGES)
def test_the_whole_night_across_a_change_is_offered_in_real_half_hours(
    tz: ZoneInfo, spring: date, autumn: date, repeated_hour: int
) -> None:
    schedule = store(daily("22:00-06:00"), tz=tz)
    for night, hours in ((spring - ONE_DAY, 7), (autumn - ONE_DAY, 9)):
        slots = free_slots(schedule, rules(), (), night, night + ONE_DAY, LONG_AGO)
        overnight = [s for s in slots if s.start >= at(night, "22:00", tz)]
        overnight = [s for s in overnight if s.start < at(night + ONE_DAY, "06:00", tz)]
        assert len(overnight) == hours * 2
        assert overnight[-1].end - overnight[0].start == hours * HOUR


# check_start

SHOP = store(daily("09:00-12:00"), lead=timedelta(hours=2), horizon=timedelta(days=10))
EARLY_MONDAY = at(MONDAY, "06:00")


def verdict(
    start: datetime, busy: tuple[Interval, ...] = (), channel: ChannelRules | None = None
) -> StartCheck:
    return check_start(SHOP, channel or rules(), busy, start, EARLY_MONDAY)


def test_an_offered_slot_with_room_is_free() -> None:
    assert verdict(at(MONDAY, "09:00")) is StartCheck.FREE


def test_an_offered_slot_without_room_is_full() -> None:
    assert verdict(at(MONDAY, "09:00"), (booking(MONDAY, "09:00"),)) is StartCheck.FULL


def test_a_start_before_now_is_past() -> None:
    assert verdict(EARLY_MONDAY - timedelta(seconds=1)) is StartCheck.PAST


def test_a_start_inside_the_lead_time_is_too_soon() -> None:
    assert verdict(EARLY_MONDAY) is StartCheck.TOO_SOON
    assert verdict(at(MONDAY, "07:59")) is StartCheck.TOO_SOON


def test_a_start_beyond_the_horizon_is_too_far() -> None:
    assert verdict(EARLY_MONDAY + timedelta(days=10)) is StartCheck.NOT_OFFERED
    assert verdict(EARLY_MONDAY + timedelta(days=10, seconds=1)) is StartCheck.TOO_FAR


def test_a_start_off_the_grid_is_not_offered() -> None:
    assert verdict(at(MONDAY, "09:10")) is StartCheck.NOT_OFFERED


def test_a_start_outside_opening_hours_is_not_offered() -> None:
    assert verdict(at(MONDAY, "13:00")) is StartCheck.NOT_OFFERED


def test_a_start_that_would_run_past_closing_is_not_offered() -> None:
    assert verdict(at(MONDAY, "11:30"), channel=rules(60)) is StartCheck.NOT_OFFERED


def test_a_start_given_in_another_zone_is_judged_as_the_same_instant() -> None:
    assert verdict(datetime(2027, 3, 1, 3, tzinfo=NEW_YORK)) is StartCheck.FREE
    assert verdict(datetime(2027, 3, 1, 3, 10, tzinfo=NEW_YORK)) is StartCheck.NOT_OFFERED


def test_both_half_past_twos_of_the_berlin_autumn_night_can_be_booked() -> None:
    schedule = store(daily("22:00-06:00"))
    for fold in (0, 1):
        start = at(date(2027, 10, 31), "02:30", fold=fold)
        assert check_start(schedule, rules(), (), start, LONG_AGO) is StartCheck.FREE


# group_by_local_day


def test_slots_are_grouped_by_the_local_date_they_start_on_in_day_order() -> None:
    schedule = store(daily("22:00-02:00"))
    slots = free_slots(schedule, rules(60), (), MONDAY, TUESDAY, LONG_AGO)
    days = group_by_local_day(list(reversed(slots)), BERLIN)
    assert list(days) == [MONDAY, TUESDAY]
    assert walls(days[MONDAY]) == ["00:00", "00:30", "01:00", *grid("22:00", "23:30")]
    assert days[TUESDAY] == sorted(days[TUESDAY])


def test_grouping_in_another_zone_moves_slots_to_that_zones_dates() -> None:
    (slot,) = slots_on(store((on(0, "01:00-01:30"),)), MONDAY)
    assert list(group_by_local_day([slot], NEW_YORK)) == [MONDAY - ONE_DAY]


def test_grouping_nothing_gives_no_days() -> None:
    assert group_by_local_day([], BERLIN) == {}


# Naive datetimes


def test_naive_datetimes_are_refused_everywhere() -> None:
    naive = datetime(2027, 3, 1, 9)  # noqa: DTZ001 - the very thing under test
    schedule = store(daily("09:00-12:00"))
    with pytest.raises(ValueError, match="naive"):
        free_slots(schedule, rules(), (), MONDAY, MONDAY, naive)
    with pytest.raises(ValueError, match="naive"):
        check_start(schedule, rules(), (), naive, LONG_AGO)
    with pytest.raises(ValueError, match="naive"):
        check_start(schedule, rules(), (), at(MONDAY, "09:00"), naive)
    with pytest.raises(ValueError, match="naive"):
        busy_interval(naive, rules())
    with pytest.raises(ValueError, match="naive"):
        group_by_local_day([Slot(naive, naive)], BERLIN)


# check_start agrees with free_slots

AROUND_CHANGES = [
    (BERLIN, date(2027, 3, 27)),
    (BERLIN, date(2027, 10, 30)),
    (NEW_YORK, date(2027, 3, 13)),
    (NEW_YORK, date(2027, 11, 6)),
]


@settings(database=None, max_examples=40, deadline=None)
@given(
    zone_and_day=st.sampled_from(AROUND_CHANGES),
    bookings=st.lists(st.tuples(st.integers(0, 3 * 24 * 60), st.integers(0, 120)), max_size=12),
    minutes=st.sampled_from([30, 45, 60]),
    capacity=st.integers(1, 3),
    buffer=st.sampled_from([0, 10, 30]),
    now_minutes=st.integers(0, 3 * 24 * 60),
)
def test_a_start_is_free_exactly_when_free_slots_lists_it(
    zone_and_day: tuple[ZoneInfo, date],
    bookings: list[tuple[int, int]],
    minutes: int,
    capacity: int,
    buffer: int,
    now_minutes: int,
) -> None:
    tz, first = zone_and_day
    last = first + 2 * ONE_DAY
    origin = datetime.combine(first, time(0), tzinfo=UTC) - 12 * HOUR
    # Touching openings, a night across the clock change, a lunch closure on the middle day.
    lunch = Interval(at(first + ONE_DAY, "10:10", tz), at(first + ONE_DAY, "12:40", tz))
    schedule = store(
        daily("08:00-12:00", "12:00-14:00", "22:00-03:00"),
        tz=tz,
        closures=(lunch,),
        lead=HOUR,
        horizon=timedelta(hours=40),
    )
    channel = rules(minutes, capacity, buffer)
    busy = [
        Interval(
            origin + timedelta(minutes=start), origin + timedelta(minutes=start + length + buffer)
        )
        for start, length in bookings
    ]
    now = origin + timedelta(minutes=now_minutes)

    free = free_slots(schedule, channel, busy, first, last, now)
    assert free == sorted(set(free))
    by_day = group_by_local_day(free, tz)
    for day in (first, first + ONE_DAY, last):
        assert free_slots(schedule, channel, busy, day, day, now) == by_day.get(day, [])

    free_starts = {slot.start for slot in free}
    for quarter in range(4 * 24 * 4):
        start = origin + quarter * timedelta(minutes=15)
        if not first <= start.astimezone(tz).date() <= last:
            continue
        assert (check_start(schedule, channel, busy, start, now) is StartCheck.FREE) == (
            start in free_starts
        )

    # Free against the plain definition: fewer than `capacity` bookings in every minute.
    for slot in offered_slots(schedule, channel, first, last, now):
        needed = (slot.end - slot.start + channel.buffer) // timedelta(minutes=1)
        instants = [slot.start + timedelta(minutes=m) for m in range(needed)]
        has_room = all(sum(b.start <= i < b.end for b in busy) < capacity for i in instants)
        assert (slot in free) == has_room
        if not has_room:
            assert check_start(schedule, channel, busy, slot.start, now) is StartCheck.FULL


def offered_by_definition(
    schedule: StoreSchedule, channel: ChannelRules, first: date, last: date, now: datetime
) -> list[datetime]:
    """The offered starts, computed the slow and literal way the engine is specified."""
    tz = schedule.time_zone
    spans = opening_intervals(schedule, first, last + 3 * ONE_DAY)
    starts = set()
    day = first - ONE_DAY
    while day <= last:
        for weekly in (w for w in schedule.weekly if w.weekday == day.weekday()):
            closing_day = day + ONE_DAY if weekly.crosses_midnight else day
            start = datetime.combine(day, weekly.opens, tzinfo=tz).astimezone(UTC)
            end = datetime.combine(closing_day, weekly.closes, tzinfo=tz).astimezone(UTC)
            while start < end:
                appointment = Interval(start, start + channel.duration)
                if (
                    any(span.contains(appointment) for span in spans)
                    and now + schedule.lead_time <= start <= now + schedule.horizon
                    and first <= start.astimezone(tz).date() <= last
                ):
                    starts.add(start)
                start += schedule.slot_step
        day += ONE_DAY
    return sorted(starts)


quarter_hours = st.builds(lambda q: time(q // 4, q % 4 * 15), st.integers(0, 24 * 4 - 1))


@settings(database=None, max_examples=60, deadline=None)
@given(
    zone_and_day=st.sampled_from(AROUND_CHANGES),
    openings=st.lists(
        st.builds(WeeklyOpening, st.integers(0, 6), quarter_hours, quarter_hours), max_size=10
    ),
    minutes=st.sampled_from([15, 30, 45, 60, 150]),
    step=st.sampled_from([15, 20, 30, 60]),
    now_minutes=st.integers(0, 4 * 24 * 60),
)
def test_offered_slots_follow_the_definition_step_by_step(
    zone_and_day: tuple[ZoneInfo, date],
    openings: list[WeeklyOpening],
    minutes: int,
    step: int,
    now_minutes: int,
) -> None:
    tz, first = zone_and_day
    last = first + 2 * ONE_DAY
    closure = Interval(at(first + ONE_DAY, "11:00", tz), at(first + ONE_DAY, "11:50", tz))
    schedule = store(
        tuple(openings),
        tz=tz,
        closures=(closure,),
        lead=timedelta(minutes=90),
        horizon=timedelta(days=2),
        step=timedelta(minutes=step),
    )
    now = datetime.combine(first, time(0), tzinfo=UTC) - ONE_DAY + timedelta(minutes=now_minutes)
    offered = offered_slots(schedule, rules(minutes), first, last, now)
    assert [slot.start for slot in offered] == offered_by_definition(
        schedule, rules(minutes), first, last, now
    )
