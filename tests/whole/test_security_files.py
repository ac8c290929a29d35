"""What the tool writes and runs, under hostile conditions: its inputs as outputs, a planted module in the
working directory, a full disk, a symbolic link, a hanging or dying `dot`, and real signals sent to a real
`autodiff` process (docs/security.md, "What it writes" and "What it runs")."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from autodiff_cli.render.layout import DOT_LIMIT, DOT_LONG_EDGE_LIMIT, long_edge_length
from tests.support import autodiff_command

ENV = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
PROGRAM = "a = 3\nb = a * a\n"
HANG = 120  # a generous bound on any one run; nothing here should take more than a few seconds
HAS_PROC = os.path.isdir("/proc/self")


def _autodiff(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, **kwargs
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*autodiff_command(), *args], capture_output=True, text=True, timeout=HANG, env=env or ENV, cwd=cwd, **kwargs
    )


def _fake_dot(tmp_path: Path, body: str) -> dict[str, str]:
    """An environment whose PATH starts with a `dot` that is this shell script (its stdin is the DOT text)."""
    directory = tmp_path / "bin"
    directory.mkdir(exist_ok=True)
    dot = directory / "dot"
    dot.write_text("#!/bin/sh\n" + body + "\n")
    dot.chmod(0o755)
    return {**ENV, "PATH": f"{directory}{os.pathsep}{ENV.get('PATH', '')}"}


def _names(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


# ---------------------------------------------------------------- no output may be an input


def _program_file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_text(PROGRAM)
    return path


@pytest.mark.e2e
@pytest.mark.parametrize(
    "name, option",
    [
        ("prog.svg", "--render"), ("prog.html", "--render"), ("prog.png", "--render"),
        ("prog.png", "--plot"), ("prog.svg", "--plot"),
    ],
)
def test_an_output_that_is_the_program_file_is_refused_before_any_work(tmp_path: Path, name: str, option: str) -> None:
    program = _program_file(tmp_path, name)
    sweep = ["--sweep", "a=0:1:3"] if option == "--plot" else []
    done = _autodiff("run", *sweep, option, name, name, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""  # refused before the program was read
    assert done.stderr == (
        f"error: {option} {name} is the program file {name}: refusing to overwrite an input; name another file\n"
    )
    assert program.read_text() == PROGRAM
    assert _names(tmp_path) == [name]


@pytest.mark.e2e
@pytest.mark.parametrize("link", ["symlink", "hard link", "relative path"])
def test_the_program_file_is_recognised_under_another_name(tmp_path: Path, link: str) -> None:
    program = _program_file(tmp_path, "prog.svg")
    (tmp_path / "sub").mkdir()
    if link == "symlink":
        output = "other.svg"
        (tmp_path / output).symlink_to(program)
    elif link == "hard link":
        output = "other.svg"
        os.link(program, tmp_path / output)
    else:
        output = "sub/../prog.svg"
    done = _autodiff("run", "--render", output, "prog.svg", cwd=tmp_path)
    assert done.returncode == 2 and "refusing to overwrite an input" in done.stderr
    assert program.read_text() == PROGRAM


@pytest.mark.e2e
def test_plot_to_a_file_takes_one_program_file(tmp_path: Path) -> None:
    # Each program's sweep would replace the last one's image: the same class of loss.
    _program_file(tmp_path, "one.ad")
    _program_file(tmp_path, "two.ad")
    done = _autodiff("run", "--sweep", "a=0:1:3", "--plot", "p.svg", "one.ad", "two.ad", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "error: --plot FILE draws one program's sweep: give one FILE, or run each file on its own\n"
    assert _names(tmp_path) == ["one.ad", "two.ad"]


@pytest.mark.e2e
def test_stdin_as_the_program_is_an_input(tmp_path: Path) -> None:
    program = _program_file(tmp_path, "prog.svg")
    with open(program) as stdin:
        done = _autodiff("eval", "--render", "prog.svg", cwd=tmp_path, stdin=stdin)
    assert done.returncode == 2
    assert done.stderr == (
        "error: --render prog.svg is standard input, the program: refusing to overwrite an input; name another file\n"
    )
    assert program.read_text() == PROGRAM


@pytest.mark.e2e
def test_an_output_that_is_also_stdout_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    with open(target, "w") as stdout:
        done = subprocess.run(
            [*autodiff_command(), "eval", "--render", str(target), PROGRAM], stdout=stdout, stderr=subprocess.PIPE, text=True,
            timeout=HANG, env=ENV,
        )
    assert done.returncode == 2 and "is also standard output" in done.stderr
    assert target.read_text() == ""


@pytest.mark.e2e
@pytest.mark.parametrize("option", ["--render", "--plot"])
def test_an_output_in_a_missing_directory_is_refused_before_any_work(tmp_path: Path, option: str) -> None:
    sweep = ["--sweep", "a=0:1:3"] if option == "--plot" else []
    target = tmp_path / "nonexistent" / "dir" / "a.svg"
    done = _autodiff("eval", *sweep, option, str(target), "--", PROGRAM)
    assert done.returncode == 2
    assert done.stdout == ""  # no rows, then an error: the error first, and nothing else
    assert done.stderr == f"error: {option} {target}: no directory {target.parent}\n"


@pytest.mark.e2e
@pytest.mark.parametrize("option", ["--render", "--plot"])
def test_an_output_that_is_a_directory_is_refused_before_any_work(tmp_path: Path, option: str) -> None:
    (tmp_path / "d.svg").mkdir()
    sweep = ["--sweep", "a=0:1:3"] if option == "--plot" else []
    done = _autodiff("eval", *sweep, option, "d.svg", "--", PROGRAM, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert "d.svg" in done.stderr and "is a directory" in done.stderr  # --render's is Click's own message


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in any directory")
def test_an_output_in_a_read_only_directory_is_refused_before_any_work(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        done = _autodiff("eval", "--render", str(locked / "g.svg"), PROGRAM)
    finally:
        locked.chmod(0o755)
    assert done.returncode == 2 and done.stdout == ""
    assert "permission denied" in done.stderr


# ---------------------------------------------------------------- written whole, or not at all


@pytest.mark.e2e
def test_a_symlink_at_the_destination_is_replaced_never_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("not yours to write")
    work = tmp_path / "work"
    work.mkdir()
    (work / "g.svg").symlink_to(elsewhere)
    done = _autodiff("eval", "--render", "g.svg", PROGRAM, cwd=work, env={**ENV, "AUTODIFF_LAYOUT": "layered"})
    assert done.returncode == 0, done.stderr
    assert elsewhere.read_text() == "not yours to write"
    assert not (work / "g.svg").is_symlink()
    assert (work / "g.svg").read_text().startswith("<?xml")
    assert _names(work) == ["g.svg"]


def _limit_file_size(size: int) -> Callable[[], None]:
    """A child whose files may not grow past `size` bytes: a full disk, as far as the writer can tell."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


@pytest.mark.e2e
@pytest.mark.parametrize(
    "option, name, needs",
    [
        ("--render", "g.svg", None),  # our own SVG, written by Python
        ("--render", "g.html", None),
        ("--plot", "g.svg", "matplotlib"),
        ("--plot", "g.png", "matplotlib"),
    ],
)
def test_a_full_disk_keeps_the_old_file_and_leaves_no_temporary_file(
    tmp_path: Path, option: str, name: str, needs: str | None
) -> None:
    if needs:
        pytest.importorskip(needs)
    target = tmp_path / name
    target.write_text("the old file")
    sweep = ["--sweep", "a=0:1:30"] if option == "--plot" else []
    done = subprocess.run(
        [*autodiff_command(), "eval", *sweep, option, name, "--", PROGRAM], capture_output=True, text=True, timeout=HANG,
        env={**ENV, "AUTODIFF_LAYOUT": "layered"}, cwd=tmp_path, preexec_fn=_limit_file_size(200),
    )
    assert done.returncode == 1, done.stderr
    assert f"error: {option}" in done.stderr and "cannot write" in done.stderr and "Traceback" not in done.stderr
    assert target.read_text() == "the old file"
    assert _names(tmp_path) == [name]


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz")
def test_a_dot_killed_by_a_full_disk_is_named_and_the_old_file_kept(tmp_path: Path) -> None:
    target = tmp_path / "g.png"
    target.write_text("the old file")
    done = subprocess.run(
        [*autodiff_command(), "eval", "--render", "g.png", PROGRAM], capture_output=True, text=True, timeout=HANG,
        env=ENV, cwd=tmp_path, preexec_fn=_limit_file_size(200),
    )
    # dot's writes past the limit raise SIGXFSZ, whose default action kills it.
    assert done.returncode == 1
    assert done.stderr.endswith("error: dot was killed by SIGXFSZ\n")
    assert target.read_text() == "the old file"
    assert _names(tmp_path) == ["g.png"]


# ---------------------------------------------------------------- how a failing dot is reported


@pytest.mark.e2e
@pytest.mark.parametrize(
    "body, message",
    [
        ("cat > /dev/null; kill -KILL $$", "error: dot was killed by SIGKILL"),
        ("cat > /dev/null; kill -SEGV $$", "error: dot was killed by SIGSEGV"),
        ("cat > /dev/null; exit 3", "error: dot failed with exit status 3 and no message"),
        ("cat > /dev/null; echo 'syntax error in line 1' >&2; exit 1", "error: dot failed: syntax error in line 1"),
    ],
    ids=["sigkill", "sigsegv", "silent", "says-why"],
)
def test_a_failing_dot_is_reported_by_its_signal_or_status(tmp_path: Path, body: str, message: str) -> None:
    env = _fake_dot(tmp_path, body)
    work = tmp_path / "work"
    work.mkdir()
    done = _autodiff("eval", "--render", "g.svg", PROGRAM, env=env, cwd=work)
    assert done.returncode == 1
    assert done.stderr.endswith(message + "\n")
    assert _names(work) == []


# ---------------------------------------------------------------- what goes to Graphviz


def test_long_edges_are_counted_as_dot_would_cross_them() -> None:
    from autodiff_cli import evaluate

    # `y = x * ... * x`, n factors: the k-th product (k = 2..n-1) sits 2k-1 layers from x and uses it once,
    # so its edge crosses 2k-2 layers; the first product's two uses of x cross none.  Sum: (n-1)(n-2).
    for n in (2, 3, 10, 300):
        result = evaluate("x = 2\ny = " + " * ".join(["x"] * n))
        assert long_edge_length(list(result.order)) == (n - 1) * (n - 2)
    chain = evaluate("a = 1\n" + "\n".join(f"v{i} = {'a' if i == 0 else f'v{i - 1}'} * 2" for i in range(50)))
    assert long_edge_length(list(chain.order)) == 0


def _squares(n: int) -> str:
    return "x = 1.001\ny = " + " * ".join(["x"] * n) + "\n"


def _chain(n: int) -> str:
    return "a = 1\n" + "\n".join(f"v{i} = {'a' if i == 0 else f'v{i - 1}'} * 1.001 + a" for i in range(n)) + "\n"


@pytest.mark.e2e
@pytest.mark.parametrize(
    "program, reason",
    [
        (_squares(300), f"more than the {DOT_LONG_EDGE_LIMIT:,} given to Graphviz"),  # 1.2 kB, 300 values
        (_chain(2000), f"more than the {DOT_LIMIT:,} given to Graphviz"),
    ],
    ids=["300-factors", "2000-statements"],
)
def test_a_graph_too_big_for_graphviz_is_drawn_by_our_layout(tmp_path: Path, program: str, reason: str) -> None:
    env = _fake_dot(tmp_path, f"touch {tmp_path / 'dot-was-run'}; exit 1")
    (tmp_path / "prog.ad").write_text(program)
    done = _autodiff("run", "--render", "g.svg", "prog.ad", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert reason in done.stderr and "drawn with autodiff's own layout" in done.stderr
    assert not (tmp_path / "dot-was-run").exists()
    svg = (tmp_path / "g.svg").read_text()
    assert svg.startswith("<?xml") and 'class="adp-svg"' in svg and svg.count('class="adp-v') > 300

    done = _autodiff("run", "--render", "g.png", "prog.ad", env=env, cwd=tmp_path)
    assert done.returncode == 1
    assert reason in done.stderr and "FILE.svg and FILE.html are drawn without it" in done.stderr
    assert not (tmp_path / "dot-was-run").exists()
    assert not (tmp_path / "g.png").exists()


def _wait_for(path: Path) -> str:
    deadline = time.monotonic() + HANG
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        time.sleep(0.05)
    raise AssertionError(f"{path} never appeared")


def _gone(pid: int) -> bool:
    """The process has ended (a zombie waiting for its parent counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


_SLOW_DOT = 'echo $$ > "{pids}/dot"; cat > /dev/null; sleep 300 & echo $! > "{pids}/sleep"; wait'


@pytest.mark.skipif(not HAS_PROC, reason="reads /proc")
@pytest.mark.parametrize("name", ["g.svg", "g.png"])
def test_a_dot_past_its_time_is_killed_with_its_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run, name: str
) -> None:
    from autodiff_cli.render import layout

    pids = tmp_path / "pids"
    pids.mkdir()
    env = _fake_dot(tmp_path, _SLOW_DOT.format(pids=pids))
    monkeypatch.setenv("PATH", env["PATH"])
    monkeypatch.setattr(layout, "DOT_TIMEOUT", 3.0)  # long enough for the script to start on a busy machine
    work = tmp_path / "work"
    work.mkdir()
    result = run("eval", "--render", str(work / name), PROGRAM)
    if name == "g.svg":
        assert result.exit_code == 0
        assert "dot did not finish within 3 s and was stopped: drawn with autodiff's own layout" in result.stderr
        assert (work / name).read_text().startswith("<?xml")
        assert _names(work) == [name]
    else:
        assert result.exit_code == 1
        assert f"error: --render {work / name}: dot did not finish within 3 s and was stopped" in result.stderr
        assert _names(work) == []
    assert _gone(int((pids / "dot").read_text())) and _gone(int((pids / "sleep").read_text()))


# ---------------------------------------------------------------- signals sent to a real process


def _default_sigint() -> None:
    # A process started in the background inherits an ignored SIGINT; the user's Ctrl-C is never ignored.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.e2e
@pytest.mark.skipif(not HAS_PROC, reason="reads /proc")
@pytest.mark.parametrize(
    "signum, code, line",
    [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted"), (signal.SIGHUP, 129, "hangup")],
    ids=["SIGTERM", "SIGINT", "SIGHUP"],
)
@pytest.mark.parametrize("name", ["g.svg", "g.png"])
def test_a_signal_during_render_kills_dot_and_removes_the_temporary_file(
    tmp_path: Path, signum: int, code: int, line: str, name: str
) -> None:
    pids = tmp_path / "pids"
    pids.mkdir()
    env = _fake_dot(tmp_path, _SLOW_DOT.format(pids=pids))
    work = tmp_path / "work"
    work.mkdir()
    (work / name).write_text("the old drawing")
    process = subprocess.Popen(
        [*autodiff_command(), "eval", "--render", name, PROGRAM], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env, cwd=work, preexec_fn=_default_sigint,
    )
    try:
        sleeper = int(_wait_for(pids / "sleep"))
        dot = int(_wait_for(pids / "dot"))
        assert len(_names(work)) == 2  # the temporary file beside the old drawing: the test is of something
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=HANG)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == code
    assert stderr.splitlines()[-1] == line and "dot" not in stderr and "Traceback" not in stderr
    assert _names(work) == [name] and (work / name).read_text() == "the old drawing"
    assert _gone(dot) and _gone(sleeper)


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


# SymPy works on its simplification far longer than this test waits (over 150 s here).
_SLOW_TO_SIMPLIFY = (
    "x = 0.3; y = 0.4; z = 0.7; a = sin(x*y + z) / (cos(x - y*z) + 2); b = exp(a * tanh(x + y)) / (1 + a*a); "
    "c = (a + b) ** 3 / (x*y*z + sin(b)); f = c * log(2 + a*b*c) + sqrt(1 + c*c)"
)


@pytest.mark.e2e
@pytest.mark.skipif(not HAS_PROC, reason="reads /proc")
@pytest.mark.parametrize(
    "signum, code, line", [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")], ids=["SIGTERM", "SIGINT"]
)
def test_a_signal_during_simplify_kills_the_sympy_child(signum: int, code: int, line: str) -> None:
    pytest.importorskip("sympy")
    process = subprocess.Popen(
        [*autodiff_command(), "eval", "--simplify", "--simplify-timeout", "600", _SLOW_TO_SIMPLIFY],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, preexec_fn=_default_sigint,
    )
    try:
        deadline = time.monotonic() + HANG
        children: list[int] = []
        while not children and time.monotonic() < deadline:
            time.sleep(0.1)
            children = _children(process.pid)
        assert children, "the SymPy child never started"
        time.sleep(2)  # into SymPy's work (its import takes about half a second)
        assert process.poll() is None and not any(_gone(child) for child in children)
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=HANG)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == code
    assert stderr.splitlines()[-1] == line and "Traceback" not in stderr
    assert all(_gone(child) for child in children)


# ---------------------------------------------------------------- the SymPy child is isolated

_PLANTS = {
    "sympy.py": "open('PLANTED-sympy', 'w').close()\nraise ImportError('planted')\n",
    "math.py": "open('PLANTED-math', 'w').close()\n",
    "json.py": "open('PLANTED-json', 'w').close()\n",
    "autodiff_cli/__init__.py": "open('PLANTED-autodiff_cli', 'w').close()\n",
    "autodiff_cli/simplify.py": "open('PLANTED-simplify', 'w').close()\n",
}


@pytest.mark.e2e
def test_simplify_imports_nothing_from_the_working_directory(tmp_path: Path) -> None:
    pytest.importorskip("sympy")
    for name, text in _PLANTS.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    done = _autodiff("eval", "--simplify", "--simplify-timeout", "120", "x = 0.5; y = x * x * sin(x)", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not [path.name for path in tmp_path.iterdir() if path.name.startswith("PLANTED")]
    assert "∂y/∂x = x * (x * cos(x) + 2 * sin(x))" in done.stdout  # SymPy's answer: the child found the real one
    assert done.stderr == ""


@pytest.mark.e2e
@pytest.mark.parametrize("signum, code, line", [(signal.SIGTERM, 143, "terminated"), (signal.SIGHUP, 129, "hangup")])
def test_the_repl_ends_on_sigterm_and_sighup_with_the_terminal_restored(
    tmp_path: Path, signum: int, code: int, line: str
) -> None:
    pexpect = pytest.importorskip("pexpect")
    env = dict(ENV, HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"), TERM="xterm")
    child = pexpect.spawn(sys.executable, ["-m", "autodiff_cli", "repl"], env=env, timeout=HANG, encoding="utf-8")
    child.expect("autodiff>")
    time.sleep(0.3)  # into prompt_toolkit's raw mode
    child.kill(signum)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == code and child.signalstatus is None
    assert child.before.rstrip().endswith(line)
    assert "\x1b[?2004l" in child.before  # prompt_toolkit unwound: bracketed paste is off again


# ---------------------------------------------------------------- siblings


@pytest.mark.e2e
def test_the_page_gives_dot_no_graph_beyond_its_caps(tmp_path: Path) -> None:
    env = _fake_dot(tmp_path, f"touch {tmp_path / 'dot-was-run'}; exit 1")
    done = _autodiff("eval", "--format", "html", _squares(80), env=env)
    assert done.returncode == 0 and 'data-layout="layered"' in done.stdout
    assert not (tmp_path / "dot-was-run").exists()
    done = _autodiff("eval", "--format", "html", _squares(10), env=env)  # within the caps: dot is asked, and fails
    assert done.returncode == 0 and 'data-layout="layered"' in done.stdout
    assert (tmp_path / "dot-was-run").exists()


@pytest.mark.e2e
def test_plot_to_a_file_without_matplotlib_fails_before_the_sweep(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable, "-c",
            "import sys; sys.modules['matplotlib'] = None\n"
            "from autodiff_cli.interface.cli import main\n"
            "sys.argv = ['autodiff', 'eval', '--sweep', 'a=0:1:3', '--plot', 'p.svg', '--', 'a = 1; b = a * a']\n"
            "main()",
        ],
        capture_output=True, text=True, timeout=HANG, env=ENV, cwd=tmp_path,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "error: --plot p.svg needs Matplotlib, which is not installed: pip install 'autodiff-cli[plot]'\n"
    assert _names(tmp_path) == []
