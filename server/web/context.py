"""The collaborators every request handler may need, wired once by the app factory."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.di import NamedDependency
from piccolo.engine.base import Engine

from server.config import Settings
from server.services.clock import Clock
from server.services.dispatcher import Dispatcher
from server.services.places import PlaceLookup
from server.services.store_cache import StoreCache
from server.services.store_directory import StoreDirectory
from server.web.widget.assets import Assets


@dataclass(frozen=True, slots=True)
class AppContext:
    settings: Settings
    engine: Engine  # type: ignore[type-arg]
    clock: Clock
    stores: StoreCache
    directory: StoreDirectory
    gazetteer: PlaceLookup
    assets: Assets
    #: This process's outbox dispatcher, if it runs one (BOOKWIDGET_DISPATCHER).
    dispatcher: Dispatcher | None = None

    def changes_written(self) -> None:
        """Let this process's dispatcher send a change's emails now, not at its next poll."""
        if self.dispatcher is not None:
            self.dispatcher.wake()


#: How handlers ask for the context: `ctx: Context`.
Context = NamedDependency[AppContext]
