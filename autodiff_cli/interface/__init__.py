"""The front ends: the console script, the Click commands, the REPL, the notebook magic, and how a process ends."""
