"""Adapters to the outside world: the database (Piccolo), the gazetteer, later mail and push."""
