"""A big document's node array spells its numbers a column at a time, with the very bytes of repr.

For a graph of more than one chunk the writer spells each chunk's values and
gradients by orjson when it is installed (render/columns.py); its digits are
repr's but for |x| < 1e-4 and non-finite numbers, which are respelled.  The
oracles are independent of that path: repr itself, and tests/json_reference.py
(the writer before, one json_number a number).
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys

import pytest

from autodiff_cli.base.errors import Source
from autodiff_cli.base.options import Options
from autodiff_cli.language.evaluate import Graph
from autodiff_cli.language.parse import parse
from autodiff_cli.render import json as json_writer
from autodiff_cli.report import build_report
from tests import json_reference

orjson = pytest.importorskip("orjson")


def _magnitudes(count: int, seed: int) -> list[float]:
    """Floats of every size a double holds, both signs, the edges of orjson's other spellings among them."""
    rng = random.Random(seed)
    numbers = [rng.random() * 10 ** rng.uniform(-323, 308) * rng.choice((-1, 1)) for _ in range(count)]
    numbers += [float(f"{digit}e-{power}") for digit in range(1, 10) for power in range(1, 12)]
    numbers += [1e-4, 9.999e-5, 1.5e-5, 5e-324, 2.2250738585072014e-308, 0.0, -0.0, 1e16, 1.7976931348623157e308]
    return numbers


def test_orjson_spelling_is_respelled_to_repr() -> None:
    encode = json_writer._column_speller(json_writer._CHUNK + 1)
    numbers: list[float | None] = [*_magnitudes(50_000, 1), None]
    assert encode(numbers, True) == [*map(repr, numbers[:-1]), "null"]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), 1])
def test_a_number_json_spells_otherwise_is_left_to_the_exact_path(bad: float) -> None:
    encode = json_writer._column_speller(json_writer._CHUNK + 1)
    assert encode([0.5, bad, None], True) is None
    assert encode([0.5, bad], False) is None


def _program(count: int, seed: int) -> str:
    """Inputs of every magnitude multiplied together in pairs and summed: small values and gradients by the thousand."""
    rng = random.Random(seed)
    numbers = [abs(x) for x in _magnitudes(count, seed) if 1e-150 < abs(x) < 1e150]
    lines = [f"x{index} = {number!r}" for index, number in enumerate(numbers)]
    lines += [f"p{index} = x{index} * x{rng.randrange(len(numbers))} * 1e-3" for index in range(len(numbers))]
    lines.append("total = " + " + ".join(f"p{index}" for index in range(len(numbers))))
    return "\n".join(lines)


def _arrays(text: str, options: Options) -> tuple[str, str]:
    graph = Graph(Source("<test>", text))
    graph.run(parse(text))
    report = build_report(graph.differentiate(options.of), options)
    ours, theirs = io.StringIO(), io.StringIO()
    json_writer._write_nodes(report, ours.write)
    json_reference._write_nodes(report, theirs.write)
    return ours.getvalue(), theirs.getvalue()


@pytest.mark.parametrize("seed", [1, 2])
def test_big_document_with_small_numbers_is_the_reference(seed: int) -> None:
    ours, theirs = _arrays(_program(4000, seed), Options(format="json"))
    assert ours == theirs
    nodes = json.loads("[" + ours + "]")
    assert len(nodes) > 2 * json_writer._CHUNK
    spelled = [text for text in ours.split('"grad": ')[1:]]
    assert any(text.startswith(("1e-05", "-1e-05")) or "e-0" in text[:25] for text in spelled)


def test_big_document_with_an_infinite_gradient_is_the_reference() -> None:
    """sqrt'(0) is inf: that chunk is written by the exact path, as "inf", the others by columns."""
    lines = [f"x{index} = {index + 1}" for index in range(3000)]
    lines += ["z = 0", "r = sqrt(z)", "total = r + " + " + ".join(f"x{index} * 0.5" for index in range(3000))]
    ours, theirs = _arrays("\n".join(lines), Options(format="json"))
    assert ours == theirs
    assert '"grad": "inf"' in ours


@pytest.mark.e2e
def test_without_orjson_the_document_is_the_same(tmp_path: object) -> None:
    """A process that cannot import orjson writes the very bytes of one that can."""
    text = _program(4000, 3)
    documents = []
    for block in ("", "import sys; sys.modules['orjson'] = None; "):
        code = block + "from autodiff_cli.interface.launch import main; import sys; sys.exit(main())"
        done = subprocess.run(
            [sys.executable, "-c", code, "eval", "--format", "json", "-"],
            input=text,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "COLUMNS": "80", "NO_COLOR": "1"},
        )
        assert done.returncode == 0, done.stderr
        documents.append(done.stdout)
    assert documents[0] == documents[1]
    assert len(json.loads(documents[0])["nodes"]) > json_writer._CHUNK


@pytest.mark.e2e
def test_a_small_document_does_not_import_orjson() -> None:
    code = (
        "import sys; from autodiff_cli.interface.launch import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write(str('orjson' in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "eval", "--format", "json", "a=3; b=a+a"], capture_output=True, text=True, timeout=120
    )
    assert json.loads(done.stdout)["variables"]["a"]["grad"] == 2.0
    assert done.stderr.endswith("False")
