"""The HTTP edge: Litestar controllers, error mapping, middleware. No queries here."""
