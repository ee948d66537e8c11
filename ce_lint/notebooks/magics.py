"""IPython's own syntax in a notebook cell, masked so that the Python around it can be parsed.

Every masked character is replaced in place by one character of valid Python, so no line or column
of the code around it moves: a finding's position in the masked text is its position in the cell.
Only lines that start a statement are looked at (never a line inside brackets or a multi-line
string), as IPython itself does:
- line magics (`%matplotlib inline`), shell escapes (`!pip install x`), help (`?obj`, `obj??`) and
  IPython's auto-call escapes (`/f a`, `,f a b`) become an expression statement `0` and spaces;
- `%time stmt`, `%timeit stmt`, `%prun stmt`, `%memit stmt` keep their statement, which runs as code;
- `files = !ls`, `out = %sx ls`: the target stays, bound to a name made of underscores (an unknown value);
- a cell magic whose body is Python (`%%time`, `%%capture`...) masks its first line; any other cell
  magic (`%%bash`, `%%writefile`, `%%html`, unknown ones) means the cell is not Python at all.
"""

from __future__ import annotations

import re

# Cell magics whose body IPython runs as Python code in the notebook's namespace.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit"})

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")
_CELL_MAGIC = re.compile(r"%%(\w+)")
# The prefix of a line magic that runs its statement (timeit's and prun's flags that take no file).
_RUNS_STATEMENT = re.compile(r"%(?:time|memit|timeit(?:\s+(?:-[nrp]\s*\d+|-[tcqo]))*|prun(?:\s+-[qr])*)\s+(?=\S)")
_COMPOUND = re.compile(r"(?:if|for|while|with|def|class|try|async|match|elif|else|except|finally)\b|@")
_ASSIGNED = re.compile(r"[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*(?=[!%])")
_ESCAPES = ("%", "!", "?", "/", ",", ";")
# A cell without any of these is plain Python, the common case: nothing to follow line by line.
_MAYBE_IPYTHON = re.compile(r"^[ \t]*[%!?/,;]|\?|=[ \t]*[!%]", re.M)


def cell_magic(source: str) -> str | None:
    """The name of the cell magic on a cell's first line (`%%bash` -> "bash"), or None."""
    match = _CELL_MAGIC.match(source.lstrip(" \t"))
    return match.group(1) if match else None


def mask(source: str) -> str | None:
    """The cell's text with IPython's syntax masked, of the same length line by line; None when the
    cell is not Python (a cell magic such as `%%bash` or `%%writefile`)."""
    if not _MAYBE_IPYTHON.search(source):
        return source
    lines = _LINE.findall(source)[:-1]
    out = []
    start = 0
    magic = cell_magic(lines[0])
    if magic is not None:
        if magic not in PYTHON_CELL_MAGICS:
            return None
        out.append(_blank(lines[0]))
        start = 1
    depth, quote, continued, escaped = 0, None, False, False
    for line in lines[start:]:
        body, end = _split_end(line)
        if escaped:  # a magic or shell line continued with a backslash: spaces, the backslash kept
            escaped = body.endswith("\\")
            out.append(" " * (len(body) - escaped) + "\\" * escaped + end)
            continue
        if depth == 0 and quote is None and not continued:
            masked = _mask_statement(body)
            if masked is not None:
                text, python_from = masked
                out.append(text + end)
                if python_from is None:
                    escaped = body.endswith("\\")
                    continue
                depth, quote, continued = _scan(body, python_from, 0, None)
                continue
        depth, quote, continued = _scan(body, 0, depth, quote)
        out.append(line)
    return "".join(out)


def _split_end(line: str) -> tuple[str, str]:
    body = line.rstrip("\r\n")
    return body, line[len(body):]


def _blank(line: str) -> str:
    """A whole line made into the statement `0`, its indentation and length kept (and a final
    backslash, which continues the line as it does for IPython)."""
    body, end = _split_end(line)
    stripped = body.lstrip(" \t")
    if not stripped:
        return line
    indent = len(body) - len(stripped)
    if len(stripped) > 1 and stripped.endswith("\\"):
        return body[:indent] + "0" + " " * (len(stripped) - 2) + "\\" + end
    return body[:indent] + "0" + " " * (len(stripped) - 1) + end


def _mask_statement(body: str) -> tuple[str, int | None] | None:
    """(masked line, where the Python left in it starts or None) for a line of IPython syntax;
    None for a line of plain Python."""
    stripped = body.lstrip(" \t")
    indent = len(body) - len(stripped)
    if stripped.startswith(_ESCAPES):
        runs = _RUNS_STATEMENT.match(stripped)
        if runs is not None and not _COMPOUND.match(stripped, runs.end()):
            prefix = runs.end()
            return body[:indent] + "_" * (prefix - 1) + ";" + stripped[prefix:], indent + prefix
        return _blank(body), None
    assigned = _ASSIGNED.match(stripped)
    if assigned is not None:
        at = indent + assigned.end()
        return body[:at] + "_" * (len(body) - at), None
    if _help_suffix(stripped):
        return _blank(body), None
    return None


def _help_suffix(text: str) -> bool:
    """`obj?` or `obj??`: a question mark outside strings and comments that ends the code."""
    if "?" not in text:
        return False
    code = text[:_code_end(text)].rstrip()
    return code.endswith("?") and code.rstrip("?") != ""


def _code_end(text: str) -> int:
    """Where a line's comment starts (or its length), strings skipped; a one-line best effort."""
    quote = None
    i = 0
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif text.startswith(quote, i):
                i += len(quote) - 1
                quote = None
        elif char == "#":
            return i
        elif char in "'\"":
            quote = text[i:i + 3] if text[i:i + 3] in ("'''", '"""') else char
            i += len(quote) - 1
        i += 1
    return len(text)


def _scan(body: str, i: int, depth: int, quote: str | None) -> tuple[int, str | None, bool]:
    """Follow one physical line of Python from column i: (bracket depth, open string delimiter,
    whether it ends with a line-continuing backslash), so that the next line is known to start a
    statement or not."""
    n = len(body)
    while i < n:
        char = body[i]
        if quote is not None:
            if char == "\\":
                if i == n - 1:
                    return depth, quote, True
                i += 2
                continue
            if body.startswith(quote, i):
                i += len(quote)
                quote = None
                continue
        elif char == "#":
            break
        elif char in "'\"":
            quote = body[i:i + 3] if body[i:i + 3] in ("'''", '"""') else char
            i += len(quote)
            continue
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(depth - 1, 0)
        elif char == "\\" and i == n - 1:
            return depth, quote, True
        i += 1
    if quote is not None and len(quote) == 1:
        quote = None  # an unterminated one-line string: a syntax error the parser reports
    return depth, quote, False
