"""Pure domain logic: standard library only, no I/O, no framework.

Everything here is deterministic given its inputs (the clock is a parameter), which is what
lets the availability engine and the token code be tested exhaustively without a server.
"""
