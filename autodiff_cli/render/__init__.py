"""One module per output format; each turns a `Result` into text or a Rich renderable."""
