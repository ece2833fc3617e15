"""Which step the widget shows next.

A request carries the state (`state.py`) and either a navigation target (`go`) or the step
whose form was sent (`step`), meaning "onwards". Each step's method (`steps_where.py`,
`steps_when.py`, `steps_who.py`) checks what its step needs, falls back to the earliest
step that still lacks something (a stale or hand-made form can never skip a choice), and
returns a `Screen` for the templates. Services do the work; no step queries the database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from server.web.widget.flow_base import Screen
from server.web.widget.state import WidgetState
from server.web.widget.steps_when import WhenSteps
from server.web.widget.steps_where import WhereSteps
from server.web.widget.steps_who import WhoSteps

#: The step after each one, when its form is sent without a `go`.
ONWARDS = {
    "channel": "place",
    "store": "date",
    "address": "address",
    "date": "time",
    "time": "time",
    "contact": "review",
    "review": "book",
}


class Flow(WhereSteps, WhenSteps, WhoSteps):
    async def show(self, state: WidgetState) -> Screen:
        target = state.go or ONWARDS.get(state.step, "channel")
        handlers: dict[str, Callable[[WidgetState], Awaitable[Screen]]] = {
            "channel": self._channel,
            "place": self._place,
            "store": self._store,
            "locate": self._store,
            "address": self._address,
            "date": self._date,
            "time": self._time,
            "contact": self._contact,
            "review": self._review,
            "book": self._book,
        }
        return await handlers.get(target, self._channel)(state)


__all__ = ["Flow", "Screen"]
