"""Use cases: each public function is one thing a caller can do (search, book, ...).

Services receive their collaborators (clock, keys, gazetteer) as parameters, talk to the
database through `server.adapters`, apply `server.domain` rules, and return msgspec Structs
from `server.schemas` — never Piccolo rows.
"""
