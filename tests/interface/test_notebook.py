"""A real notebook executed headlessly in a real kernel: the display of a result and the %%autodiff magic.

One kernel run for the whole module (the notebook is executed once and each
test reads its cells' outputs).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed (pip install '.[test]')")
nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed (pip install '.[test]')")

pytestmark = pytest.mark.e2e  # every test here starts a real process (tests/README.md)

pytest.importorskip("ipykernel", reason="ipykernel is not installed (pip install '.[test]')")

SEED = "a = -2; b = 3; d = a*b; e = a+b; f = d*e"

CELLS = {
    "load": "%load_ext autodiff_cli",
    "result": "from autodiff_cli import evaluate\nevaluate('a = 3; b = a + a')",
    "cell": f"%%autodiff --of d --explain\n{SEED.replace('; ', chr(10))}",
    "line": "%autodiff a = 3; b = a + a",
    "json": "%autodiff --format json --precision 3 a = 3; b = a * a",
    "error": "%autodiff a = 1; b = a / (a - a)",
    "usage": "%autodiff --format nope a = 1",
    "two": f"display(evaluate({SEED!r}))\ndisplay(evaluate({SEED!r}))",
}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, list[dict]]:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS.values()]
    client = nbclient.NotebookClient(
        notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path_factory.mktemp("nb"))}}
    )
    try:
        client.execute()
    except Exception as error:  # pragma: no cover - shows which cell failed and why
        pytest.fail(f"the notebook did not run: {error}")
    return {name: cell.outputs for name, cell in zip(CELLS, notebook.cells)}


def html_of(outputs: list[dict]) -> list[str]:
    return [out["data"]["text/html"] for out in outputs if "data" in out and "text/html" in out["data"]]


def stream(outputs: list[dict], name: str) -> str:
    return "".join(out["text"] for out in outputs if out.get("output_type") == "stream" and out["name"] == name)


def test_result_displays_the_page_and_the_table(outputs):
    (result,) = [out for out in outputs["result"] if out["output_type"] == "execute_result"]
    html = result["data"]["text/html"]
    assert 'class="adp"' in html and "<svg" in html and '<details class="adp-tablebox" open>' in html
    plain = result["data"]["text/plain"]
    assert re.search(r"a \(input\)\s+input\s+3\s+2\b", plain)  # the table, a.grad = 2


def test_cell_magic_with_options(outputs):
    (html,) = html_of(outputs["cell"])
    data = json.loads(re.search(r'class="adp-data">(.*?)</script>', html, re.S).group(1).replace("<\\/", "</"))
    assert data["outputLabel"] == "d"  # --of d
    assert "a.grad += b * d.grad = 3 * 1 = 3" in html and "b.grad += a * d.grad = -2 * 1 = -2" in html  # --explain


def test_line_magic(outputs):
    (html,) = html_of(outputs["line"])
    assert "a.grad = 2" in html


def test_json_format_prints_the_document(outputs):
    document = json.loads(stream(outputs["json"], "stdout"))
    assert document["variables"]["a"]["grad"] == 6.0


@pytest.mark.parametrize(
    ("name", "message"),
    [("error", "error: division by zero"), ("usage", "error: Invalid value for '--format'")],
    ids=["program", "option"],
)
def test_errors_are_messages_not_tracebacks(outputs, name, message):
    assert message in stream(outputs[name], "stderr")
    assert not [out for out in outputs[name] if out["output_type"] == "error"]


def test_two_results_on_one_page_have_unique_ids(outputs):
    pages = html_of(outputs["two"])
    assert len(pages) == 2
    ids = [re.search(r'class="adp" id="([^"]+)"', page).group(1) for page in pages]
    assert ids[0] != ids[1]


def test_the_command_line_never_imports_ipython():
    code = (
        "import sys, atexit; from autodiff_cli.interface.cli import main\n"
        "sys.argv = ['autodiff', 'eval', '--format', 'html', 'a = 3; b = a + a']\n"
        "notebook = ('IPython', 'ipykernel', 'nbformat')\n"
        "atexit.register(lambda: sys.stderr.write(' '.join(m for m in notebook if m in sys.modules)))\n"
        "main()"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0 and "<!DOCTYPE html>" in done.stdout
    assert done.stderr.strip() == ""
