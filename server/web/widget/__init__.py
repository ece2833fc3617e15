"""The widget inside the iframe: server-rendered steps (Jinja in `widget/templates`), the
flow between them, its assets and headers."""
