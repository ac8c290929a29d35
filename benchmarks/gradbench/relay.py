"""What `gradbench run --eval EVAL --tool TOOL` does, for a machine that cannot build its Rust CLI.

GradBench's intermediary starts the eval and the tool, passes each message
of the eval to the tool and each response back, and keeps a log of both with
the time elapsed.  This does the same, and summarises every `evaluate`
message with the eval's verdict on it (the `analysis` message that follows)
and the tool's timings.

    python relay.py --eval "python .../evals/lse/run.py -n 2500" --tool "python tool.py" \\
        --cwd GRADBENCH_CHECKOUT --log lse.jsonl

The exit code is 0 when every evaluation succeeded and every validated
answer was valid, 1 otherwise, 2 for a wrong command line.
"""

from __future__ import annotations

import argparse
import json
import os
import selectors
import shlex
import subprocess
import sys
import time
from typing import IO, Any


class Relay:
    """One session: the eval's messages to the tool, its responses back, each line logged with its time."""

    def __init__(self, eval_command: str, tool_command: str, cwd: str | None, timeout: float) -> None:
        self.timeout = timeout
        self.started = time.perf_counter_ns()
        self.lines: list[dict[str, Any]] = []
        self.eval = subprocess.Popen(
            shlex.split(eval_command), cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        self.tool = subprocess.Popen(
            shlex.split(tool_command), cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )

    def _read(self, stream: IO[str], who: str) -> str:
        selector = selectors.DefaultSelector()
        selector.register(stream, selectors.EVENT_READ)
        if not selector.select(self.timeout):
            raise TimeoutError(f"the {who} said nothing for {self.timeout:g} s")
        return stream.readline()

    def _log(self, key: str, value: Any) -> None:
        self.lines.append({"elapsed": {"nanoseconds": time.perf_counter_ns() - self.started}, key: value})

    def run(self) -> None:
        assert self.eval.stdout and self.eval.stdin and self.tool.stdout and self.tool.stdin
        try:
            while True:
                line = self._read(self.eval.stdout, "eval")
                if not line:
                    break
                message = json.loads(line)
                self._log("message", message)
                self.tool.stdin.write(line if line.endswith("\n") else line + "\n")
                self.tool.stdin.flush()
                if message.get("kind") == "end":
                    break
                answer = self._read(self.tool.stdout, "tool")
                if not answer:
                    raise EOFError("the tool closed its output before answering")
                response = json.loads(answer)
                self._log("response", response)
                self.eval.stdin.write(answer if answer.endswith("\n") else answer + "\n")
                self.eval.stdin.flush()
        finally:
            for process in (self.tool, self.eval):
                if process.stdin:
                    try:
                        process.stdin.close()
                    except BrokenPipeError:
                        pass
            for process in (self.tool, self.eval):
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()

    def summary(self) -> list[dict[str, Any]]:
        """One row per evaluate message: what was asked, whether it succeeded, the verdict, the timings."""
        messages = {line["message"]["id"]: line["message"] for line in self.lines if "message" in line}
        responses = {line["response"]["id"]: line["response"] for line in self.lines if "response" in line}
        verdicts = {m["of"]: m for m in messages.values() if m.get("kind") == "analysis"}
        rows = []
        for id, message in messages.items():
            if message.get("kind") not in ("evaluate", "define"):
                continue
            response = responses.get(id, {})
            timings = response.get("timings") or []
            evaluate = [t["nanoseconds"] for t in timings if t["name"] == "evaluate"]
            other = {}
            for timing in timings:
                if timing["name"] != "evaluate":
                    other[timing["name"]] = other.get(timing["name"], 0) + timing["nanoseconds"]
            verdict = verdicts.get(id)
            rows.append(
                {
                    "id": id,
                    "kind": message["kind"],
                    "module": message.get("module"),
                    "function": message.get("function"),
                    "description": message.get("description"),
                    "success": response.get("success"),
                    "valid": None if verdict is None else verdict.get("valid"),
                    "error": (verdict or {}).get("error") or response.get("error"),
                    "runs": len(evaluate),
                    "evaluate_ns": evaluate,
                    "other_ns": other,
                }
            )
        return rows


def passed(rows: list[dict[str, Any]]) -> bool:
    """Every evaluation succeeded and no validated answer was invalid."""
    return bool(rows) and all(row["success"] for row in rows) and all(row["valid"] is not False for row in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", required=True, help="the eval's command")
    parser.add_argument("--tool", required=True, help="the tool's command")
    parser.add_argument("--cwd", help="where both run (GradBench's checkout: its evals find their reference there)")
    parser.add_argument("--log", help="write the session, one JSON line a message or response, to this file")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds either side may take to answer")
    args = parser.parse_args()
    relay = Relay(args.eval, args.tool, args.cwd, args.timeout)
    try:
        relay.run()
    except (TimeoutError, EOFError, json.JSONDecodeError) as error:
        print(f"relay: {error}", file=sys.stderr)
        return 1
    if args.log:
        with open(args.log, "w", encoding="utf-8") as handle:
            for line in relay.lines:
                handle.write(json.dumps(line) + "\n")
    rows = relay.summary()
    for row in rows:
        if row["kind"] != "evaluate":
            continue
        seconds = sum(row["evaluate_ns"]) / 1e9 / max(1, row["runs"])
        verdict = {True: "valid", False: "INVALID", None: "-"}[row["valid"]]
        status = "ok" if row["success"] else "FAILED"
        print(
            f"{row['module']} {row['function']} {row['description'] or ''}: {status}, {verdict}, {row['runs']} runs, {seconds:.6f} s a run"
        )
        if row["error"] and (not row["success"] or row["valid"] is False):
            print("    " + row["error"].strip().replace("\n", "\n    "))
    return 0 if passed(rows) else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
