"""The command line through Click's CliRunner, and once through a real subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import autodiff_cli
from tests.support import autodiff_command

SEED = "a = -2; b = 3; d = a*b; e = a+b; f = d*e"


def test_table_shows_every_node_in_topological_order(run) -> None:
    result = run("eval", SEED)
    assert result.exit_code == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()[1:6]]
    assert [row[1] for row in rows] == ["a", "b", "d", "e", "f"]
    assert rows[0][-2:] == ["-2", "-3"]
    assert rows[1][-2:] == ["3", "-8"]
    assert rows[4][-2:] == ["-6", "1"]
    assert "(output)" in result.stdout.splitlines()[5]
    assert "topological order: a → b → d → e → f" in result.stdout
    assert "backward order:    f → e → d → b → a" in result.stdout
    assert "\x1b[" not in result.stdout  # no colour codes off a terminal


def test_constants_are_shown_with_a_dash(run) -> None:
    result = run("eval", "a = 3; b = 2 * a")
    assert "const" in result.stdout and "—" in result.stdout


def test_precision(run) -> None:
    assert "3.14159" in run("eval", "x = pi; y = x * 1").stdout
    short = run("eval", "--precision", "3", "x = pi; y = x * 1").stdout
    assert "3.14" in short and "3.142" not in short


def test_json_contract(run) -> None:
    result = run("eval", "--format", "json", SEED)
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["output"] == "f" and document["value"] == -6.0
    assert document["variables"]["a"] == {"value": -2.0, "grad": -3.0}
    assert document["variables"]["b"] == {"value": 3.0, "grad": -8.0}
    assert document["nodes"][0] == {"id": 0, "label": "a", "op": "input", "inputs": [], "value": -2.0, "grad": -3.0}
    assert document["nodes"][2]["inputs"] == [0, 1] and document["nodes"][2]["op"] == "mul"
    assert document["order"] == [0, 1, 2, 3, 4]
    assert len(result.stdout.strip().splitlines()) == 1


def test_json_non_finite_and_constant(run) -> None:
    result = run("eval", "-f", "json", "x = 0; y = -2; z = 3 * sqrt(x) + y ** 2")
    document = json.loads(result.stdout)
    assert document["variables"]["x"]["grad"] == "inf"
    constants = [node for node in document["nodes"] if node["op"] == "const"]
    assert constants and all(node["grad"] is None for node in constants)
    assert "warning: non-finite gradient at x" in result.stderr


def test_json_nan_string(run) -> None:
    document = json.loads(run("eval", "-f", "json", "x = -2; y = 2; x ** y").stdout)
    assert document["variables"]["y"]["grad"] == "nan"


def test_of_picks_another_output(run) -> None:
    document = json.loads(run("eval", "-f", "json", "--of", "d", SEED).stdout)
    assert document["output"] == "d"
    assert document["variables"]["a"]["grad"] == 3.0
    assert document["variables"]["e"]["grad"] == 0.0


@pytest.mark.parametrize(
    ("args", "code"),
    [
        pytest.param(["eval", "--of", "nope", "a = 1"], 2, id="of-unknown-name"),
        pytest.param(["eval", "--format", "xml", "a = 1"], 2, id="bad-format"),
        pytest.param(["eval", "--precision", "0", "a = 1"], 2, id="bad-precision"),
        pytest.param(["eval", "--no-such-option", "a = 1"], 2, id="unknown-option"),
        pytest.param(["run", "no/such/file.ad"], 2, id="missing-file"),
        pytest.param(["eval", "a = 1 +"], 1, id="syntax-error"),
        pytest.param(["eval", "a = 1"], 0, id="ok"),
    ],
)
def test_exit_codes(run, args: list[str], code: int) -> None:
    result = run(*args)
    assert result.exit_code == code
    assert "Traceback" not in result.output


def test_version(run) -> None:
    result = run("--version")
    assert result.exit_code == 0 and autodiff_cli.__version__ in result.stdout


@pytest.mark.parametrize("command", [[], ["eval"], ["run"]])
def test_help_has_examples(run, command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout


def test_eval_reads_stdin(run) -> None:
    result = run("eval", "-f", "json", input="a = 3\nb = a + a\n")
    assert json.loads(result.stdout)["variables"]["a"]["grad"] == 2.0


def test_run_several_files(run, tmp_path: Path) -> None:
    good = tmp_path / "good.ad"
    good.write_text("a = 3; b = a * a\n")
    bad = tmp_path / "bad.ad"
    bad.write_text("a = 1\nb = a / (a - a)\n")
    result = run("run", "-f", "json", str(good), str(bad), str(good))
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["source"] for line in lines] == [str(good), str(good)]
    assert lines[0]["variables"]["a"]["grad"] == 6.0
    assert f"--> {bad}:2:9" in result.stderr


def test_empty_program_is_not_an_error(run) -> None:
    result = run("eval", "# nothing here\n\n")
    assert result.exit_code == 0
    assert "nothing to differentiate" in result.stderr


@pytest.mark.e2e
@pytest.mark.parametrize("command", [autodiff_command(), [sys.executable, "-m", "autodiff_cli"]], ids=["script", "module"])
def test_real_subprocess(command: list[str]) -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run([*command, "eval", "-f", "json", SEED], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["variables"]["b"]["grad"] == -8.0


@pytest.mark.e2e
def test_real_pipe_into_bare_command() -> None:
    done = subprocess.run(
        [*autodiff_command()], input="a = 3\nb = a + a\n", capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "topological order: a → b" in done.stdout
    assert "─" not in done.stdout and "\x1b[" not in done.stdout  # plain on a pipe


def test_big_table_is_elided_unless_all(run) -> None:
    program = "\n".join(["x0 = 1"] + [f"x{i} = x{i - 1} * 2" for i in range(1, 301)])
    short = run("eval", program).stdout
    assert "more rows (--all)" in short and "x150 " not in short
    full = run("eval", "--all", program).stdout
    assert "x150 " in full and "more rows" not in full


@pytest.mark.e2e
def test_options_with_piped_stdin_and_no_command() -> None:
    done = subprocess.run(
        [*autodiff_command(), "-f", "json"], input="a = 3\nb = a + a\n", capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["variables"]["a"]["grad"] == 2.0


@pytest.mark.e2e
def test_closed_stdout_ends_quietly() -> None:
    program = "\n".join(["x0 = 1"] + [f"x{i} = x{i - 1} * 1.5" for i in range(1, 3000)])
    with subprocess.Popen(
        [*autodiff_command(), "eval", "--all", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        process.stdin.write(program.encode())
        process.stdin.close()
        process.stdout.readline()
        process.stdout.close()
        stderr = process.stderr.read().decode()
        process.wait(timeout=60)
    assert "Traceback" not in stderr


def test_a_terminal_gets_the_rich_table_with_the_same_cells() -> None:
    from click.testing import CliRunner

    from autodiff_cli.interface.cli import cli

    program = "a = -2; b = 3; d = a*b; e = a+b; f = d*e"
    plain = CliRunner(env={"COLUMNS": "100", "NO_COLOR": "1"}).invoke(cli, ["eval", program])
    rich = CliRunner(env={"COLUMNS": "100", "NO_COLOR": "1", "FORCE_COLOR": "1"}).invoke(cli, ["eval", program])
    assert plain.exit_code == rich.exit_code == 0
    assert "─" in rich.output and "─" not in plain.output  # box drawing only on a terminal
    rows = [line.split() for line in plain.output.splitlines()[1:6]]
    text = re.sub(r"\x1b\[[0-9;]*m", "", rich.output)
    rich_rows = [line.split() for line in text.splitlines() if line.split()[:1] in (["0"], ["1"], ["2"], ["3"], ["4"])]
    assert rows == rich_rows
