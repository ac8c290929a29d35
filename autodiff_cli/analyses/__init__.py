"""Views of a built graph as plain data: checks, moved points, sweeps, modes, teaching. None writes to the graph."""
