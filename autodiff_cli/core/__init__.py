"""The engine: the table of operations, `Value`, the backward pass and the other walks over a graph (no text, no I/O)."""
