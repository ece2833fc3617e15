"""The demo: a store network, a partner page on another origin."""
