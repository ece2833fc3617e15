"""Piccolo's configuration module (PICCOLO_CONF=server.adapters.piccolo_conf).

`DB` is built on first access, from the environment, so importing this module has no side
effects; `server.adapters.database.migrate` sets it explicitly to the engine it migrates.
"""

from typing import Any

from piccolo.conf.apps import AppRegistry

APP_REGISTRY = AppRegistry(apps=["server.adapters.piccolo_app"])


def __getattr__(name: str) -> Any:
    if name == "DB":
        from server.adapters.database import engine_for
        from server.config import load_settings

        engine = engine_for(load_settings())
        globals()["DB"] = engine
        return engine
    raise AttributeError(name)
