"""Program text and file names on their way into what autodiff writes: one function per target.

A label, a comment inside parentheses, an output's source text or a file
name is data.  Every writer that puts one into Python, C, LaTeX, HTML, JSON
inside a page, DOT or Markdown passes it through the function here for that
place, and through nothing else, so that no text can end a comment or a
string, start a command or a tag, or run.  Where a character cannot be kept
safely it becomes `?`: what autodiff writes there is a reminder of the text,
never the code that runs.  tests/whole/test_security_injection.py feeds every
function a table of hostile strings.

Names are not escaped but mapped: `identifier` gives each program name an
identifier of the generated code that no name of the target's libraries can
be (see docs/code-out.md).
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

#: Control characters (C0, DEL, C1) and Unicode's line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _printable(text: str, refused: str = "") -> str:
    """`text` with everything outside printable ASCII, and each character of `refused`, as `?`."""
    return "".join(char if " " <= char <= "~" and char not in refused else "?" for char in text)


# ------------------------------------------------------------------ generated code: names


def identifier(name: str) -> str:
    """A program name as a variable of generated Python or C: `x` -> `v_x`.

    No keyword, builtin, macro or library function of C99, POSIX or Python
    starts with `v_`, and the generated code's own names (`grad`, `math`,
    `ad_pow`, `_pow`, `t1`, `grad_f`) do not either, so the prefix cannot
    collide with anything.  `name` is `[A-Za-z_][A-Za-z0-9_]*` (a key's
    `@` and `:` are made `_` first).
    """
    return "v_" + re.sub(r"[^A-Za-z0-9_]", "_", name)


def function_name(output: str | None) -> str:
    """The generated function: `grad_` and the output's name (`grad_output` when it has none)."""
    if output is None or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", output):
        return "grad_output"
    return "grad_" + output


# ------------------------------------------------------------------ Python


def python_text(text: str) -> str:
    """Text to put inside any Python string literal (a docstring too) or after `#`.

    Printable ASCII only, and neither quote nor backslash: nothing can end
    the literal or the line, or start an escape.
    """
    return _printable(text, "\\'\"")


def python_string(text: str) -> str:
    """A Python string literal showing `text` (the same text when it is safe, as a key is)."""
    return "'" + python_text(text) + "'"


# ------------------------------------------------------------------ C

_C_COMMENT_MARK = re.compile(r"\*(?=/)|/(?=\*)")


def c_comment(text: str) -> str:
    """Text to put inside a C `/* ... */` comment.

    Printable ASCII without backslash (no line splice); `??` is broken up
    (C99 reads `??/` as a backslash), and a space goes between `*` and `/`
    either way round, so the comment neither ends nor nests.
    """
    text = _printable(text, "\\").replace("??", "?_")
    return _C_COMMENT_MARK.sub(lambda mark: mark.group() + " ", text)


# ------------------------------------------------------------------ LaTeX

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\^{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\textasciitilde{}",
    "…": r"\ldots{}",
    "—": "---",
}


def latex_text(text: str) -> str:
    """Text in LaTeX's text mode (in `\\texttt{}` too): every special character escaped,
    anything outside ASCII that LaTeX may lack (a newline too) as `?`."""
    out = []
    for char in text:
        special = _LATEX_SPECIAL.get(char)
        if special is not None:
            out.append(special)
        elif " " <= char <= "~":
            out.append(char)
        else:
            out.append("?")
    return "".join(out)


def latex_comment(text: str) -> str:
    """Text after `%`: no control character (TeX ends a line at CR or LF), so the comment runs to the end
    of its line and no further.  TeX reads nothing else of a comment, so other characters stay as they are."""
    return _CONTROL.sub("?", text)


def latex_verbatim(line: str) -> str:
    """One line inside a `verbatim` environment: printable ASCII, and never `\\end{verbatim}`."""
    return _printable(line.expandtabs(4)).replace("\\end{verbatim}", "?end{verbatim}")


# ------------------------------------------------------------------ HTML and the page's data


#: Characters XML 1.0 forbids even escaped (C0 controls but tab and line ends, U+FFFE, U+FFFF), so an SVG
#: holding one is not well-formed, and the controls HTML reads as parse errors (DEL and C1).
_NOT_MARKUP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def html_text(text: str) -> str:
    """Text in an HTML element or a quoted attribute, or in SVG (XML): escaped, and what XML forbids as `?`."""
    return html.escape(_NOT_MARKUP.sub("?", text), quote=True)


def html_json(value: Any) -> str:
    """JSON to put inside `<script type="application/json">`: no `<`, `>` or `&` at all.

    Escaped as `\\u003c` and so on, which JSON reads back as the same
    characters, so `</script>` and `<!--` cannot end or change the
    script element; U+2028 and U+2029 are `\\u` escapes like everything
    outside ASCII.
    """
    text = json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# ------------------------------------------------------------------ DOT

_DOT_SPECIAL = {"\\": "\\\\", '"': '\\"', "{": "\\{", "}": "\\}", "|": "\\|", "<": "\\<", ">": "\\>", "\n": "\\n"}


def dot_label(text: str) -> str:
    """Text inside a quoted record label: every character DOT treats specially escaped; control characters,
    and what XML forbids (Graphviz passes it on into an SVG), as `?`."""
    return "".join(_DOT_SPECIAL.get(char) or ("?" if char < " " or char in "\x7f\ufffe\uffff" else char) for char in text)


def dot_comment(text: str) -> str:
    """Text after `//`: control characters as `?`, so the comment ends with its line."""
    return _CONTROL.sub("?", text)


# ------------------------------------------------------------------ Markdown


def markdown_code(text: str) -> str:
    """Text inside a `code span` in a table cell: no backtick to end it, no `|` to end the cell, one line."""
    return "".join(
        "'" if char == "`" else "\\|" if char == "|" else char if char >= " " and char != "\x7f" else "?" for char in text
    )


def markdown_fence(lines: list[str]) -> str:
    """The fence for a code block holding `lines`: more backticks than any run inside, so no line closes it."""
    longest = max((len(run) for line in lines for run in re.findall("`+", line)), default=0)
    return "`" * max(3, longest + 1)
