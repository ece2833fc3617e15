"""Bookwidget: an embeddable appointment-booking widget and the server behind it."""
