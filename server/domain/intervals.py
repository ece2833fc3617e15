"""Set arithmetic on lists of half-open time intervals, and how many of them overlap at once.

Every result is in UTC. Aware datetimes that share a ZoneInfo compare by wall time (the two
02:30s of a fall-back night look equal), so bounds are converted before any comparison.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

from server.domain.model import Interval, utc


def in_utc(interval: Interval) -> Interval:
    """The same span with both bounds expressed in UTC."""
    if interval.start.tzinfo is UTC and interval.end.tzinfo is UTC:
        return interval
    return Interval(utc(interval.start), utc(interval.end))


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, disjoint spans covering the same time.

    Touching spans are joined too (09:00-13:00 and 13:00-18:00 become 09:00-18:00), so an
    appointment may run across the seam; empty spans cover no time and are dropped.
    """
    merged: list[Interval] = []
    for current in sorted(in_utc(i) for i in intervals):
        if current.start == current.end:
            continue
        if merged and current.start <= merged[-1].end:
            if current.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, current.end)
        else:
            merged.append(current)
    return merged


def subtract(intervals: Iterable[Interval], holes: Iterable[Interval]) -> list[Interval]:
    """The time covered by `intervals` and by none of `holes`, as sorted disjoint spans."""
    cuts = merge(holes)
    result: list[Interval] = []
    first = 0  # cuts before this index end before every remaining span: skip them for good
    for span in merge(intervals):
        while first < len(cuts) and cuts[first].end <= span.start:
            first += 1
        start = span.start
        for cut in cuts[first:]:
            if cut.start >= span.end:
                break
            if cut.start > start:
                result.append(Interval(start, cut.start))
            start = max(start, cut.end)
        if start == span.start:
            result.append(span)
        elif start < span.end:
            result.append(Interval(start, span.end))
    return result


class Occupancy:
    """How many of a set of intervals cover each instant, kept as a step function.

    Built once in O(n log n); each `peak` query is a bisect plus a scan of the steps inside
    the window, so checking many candidate slots never rescans every booking.
    """

    __slots__ = ("_levels", "_times")

    def __init__(self, intervals: Iterable[Interval]) -> None:
        changes: defaultdict[datetime, int] = defaultdict(int)
        for interval in intervals:
            start, end = utc(interval.start), utc(interval.end)
            if start < end:
                changes[start] += 1
                changes[end] -= 1
        # Summing every change at one instant before recording the level is what makes an
        # interval ending at 10:00 and one starting at 10:00 never count as overlapping.
        self._times = sorted(changes)
        self._levels: list[int] = []
        level = 0
        for moment in self._times:
            level += changes[moment]
            self._levels.append(level)

    def peak(self, window: Interval) -> int:
        """The most intervals covering any single instant of `window`; 0 for an empty window."""
        return self.peak_between(utc(window.start), utc(window.end))

    def peak_between(self, start: datetime, end: datetime) -> int:
        """`peak` for `[start, end)` given as UTC instants, without building an Interval."""
        if start >= end:
            return 0
        after_start = bisect_right(self._times, start)
        before_end = bisect_left(self._times, end, after_start)
        if after_start == 0:  # nothing covers `start` itself
            return max(self._levels[:before_end], default=0)
        # The level in force at `start`, then every level that begins inside the window.
        return max(self._levels[after_start - 1 : before_end])
