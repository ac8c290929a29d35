"""The foundation every layer may use: the error family, the options object, number spelling, typing helpers."""
