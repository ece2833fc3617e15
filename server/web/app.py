"""The app factory: the one place that chooses real adapters (STYLE 2)."""

from __future__ import annotations

import asyncio
import logging

from litestar import Litestar, Router, get
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from piccolo.engine.base import Engine

from server.adapters import repository
from server.adapters.database import bind_tables, close_engine, engine_for, open_engine
from server.adapters.gazetteer import Gazetteer
from server.adapters.mailer import Mailer, SmtpMailer
from server.config import Settings, load_settings
from server.services.clock import Clock, SystemClock
from server.services.dispatcher import Dispatcher
from server.services.places import PlaceLookup
from server.services.store_cache import StoreCache
from server.services.store_directory import StoreDirectory
from server.web.api.bookings import BookingController
from server.web.api.locations import LocationController
from server.web.api.widget import get_widget
from server.web.context import AppContext
from server.web.cors import AllowedOrigins, cors_middleware
from server.web.embed import embed_js
from server.web.errors import EXCEPTION_HANDLERS
from server.web.links.pages import BookingPages
from server.web.widget.errors import shared_assets
from server.web.widget.pages import WidgetController

log = logging.getLogger("bookwidget")


@get("/healthz", summary="Liveness: answers without touching the database")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,  # type: ignore[type-arg]
    clock: Clock | None = None,
    gazetteer: PlaceLookup | None = None,
    mailer: Mailer | None = None,
) -> Litestar:
    settings = settings or load_settings()
    # An engine passed in belongs to the caller (tests, the demo), who opens and closes it.
    owns_engine = engine is None
    engine = engine or engine_for(settings)
    bind_tables(engine)
    places = gazetteer or Gazetteer()
    clock = clock or SystemClock()
    dispatcher = None
    if settings.outbox.in_process:
        dispatcher = Dispatcher(
            engine=engine,
            mailer=mailer or SmtpMailer(settings.smtp),
            settings=settings,
            clock=clock,
        )
    stop_dispatching = asyncio.Event()
    background: list[asyncio.Task[None]] = []
    context = AppContext(
        settings=settings,
        engine=engine,
        clock=clock,
        stores=StoreCache(),
        directory=StoreDirectory(),
        gazetteer=places,
        assets=shared_assets(),
        dispatcher=dispatcher,
    )

    async def provide_context() -> AppContext:
        return context

    async def start() -> None:
        if owns_engine:
            await open_engine(engine)
        # Build the gazetteer's index off the event loop now rather than on the first search.
        await asyncio.to_thread(places.lookup, "warm-up")
        if dispatcher is not None:
            stop_dispatching.clear()
            background.append(asyncio.create_task(dispatcher.run(stop_dispatching)))

    async def stop() -> None:
        # The dispatcher finishes the message in hand; the rest wait in the outbox.
        stop_dispatching.set()
        await asyncio.gather(*background)
        background.clear()
        if owns_engine:
            await close_engine(engine)

    api = Router(
        path="/api/v1",
        route_handlers=[get_widget, LocationController, BookingController],
        middleware=[cors_middleware(AllowedOrigins(repository.all_allowed_origins))],
    )
    return Litestar(
        route_handlers=[api, healthz, embed_js, WidgetController, BookingPages],
        dependencies={"ctx": Provide(provide_context, use_cache=True)},
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=OpenAPIConfig(title="Bookwidget API", version="1.0.0", path="/api/docs"),
        on_startup=[start],
        on_shutdown=[stop],
    )
