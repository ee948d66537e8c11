"""`--add-noqa`: a `# noqa: CODE` on every line with a finding, as Ruff adds them. The comment goes at
the end of the finding's token run (where flake8 and ce-lint look for it: a multi-line string's or
bracket's last line); a `# noqa:` list already there gets the code added; a blanket `# noqa` is left."""

from __future__ import annotations

from collections import defaultdict

from ..diagnostics import Diagnostic, FileError
from ..engine import decode, encoding_of
from ..files import read_source, write_atomic
from ..lines import split_lines
from ..noqa import NOQA, directives, run_ends
from ..notebooks import ipynb, is_notebook
from ..notebooks.magics import mask

UNUSED_NOQA = "CE902"  # a directive for the rule about directives would say nothing


def add_noqa(path: str, diagnostics: list[Diagnostic], tree: tuple[str, ...] = ()) -> int:
    """Add the directives to the file and write it atomically; how many were added. FileError when
    the file can't be read or written (it is then unchanged)."""
    try:
        data, stamp = read_source(path)
    except OSError as exc:
        raise FileError(exc.strerror or str(exc)) from None
    wanted = [d for d in diagnostics if d.code != UNUSED_NOQA]
    if not wanted:
        return 0
    if is_notebook(path):
        notebook, file = ipynb.read(data)
        sources, added = {}, 0
        by_cell: dict[int, list[Diagnostic]] = defaultdict(list)
        for d in wanted:
            by_cell[d.cell or 0].append(d)
        for cell in notebook.cells:
            if cell.number in by_cell:
                masked = mask(cell.source)
                new, count = with_noqa(cell.source, masked or cell.source, by_cell[cell.number])
                if count:
                    sources[cell.number], added = new, added + count
        if added:
            write_atomic(path, file.rewrite(sources), tree, stamp)
        return added
    text = decode(data)
    new, added = with_noqa(text, text, wanted)
    if added:
        write_atomic(path, new.encode(encoding_of(data)), tree, stamp)
    return added


def with_noqa(text: str, tokens_of: str, diagnostics: list[Diagnostic]) -> tuple[str, int]:
    """The text with the directives added (`tokens_of`: the same text as Python reads it, a notebook
    cell's magics masked), and how many codes were added."""
    ends = run_ends(tokens_of)
    lines = split_lines(text, keepends=True)
    existing = {d.line: d for d in directives(tokens_of) if d.effective}
    codes: dict[int, list[str]] = defaultdict(list)
    for d in diagnostics:
        line = ends.get(d.line, d.line)
        if 1 <= line <= len(lines) and d.code not in codes[line]:
            codes[line].append(d.code)
    added = 0
    for line, new in sorted(codes.items()):
        run = range(min((n for n, end in ends.items() if end == line), default=line), line + 1)
        here = next((existing[n] for n in run if n in existing), None)
        if here is None and any(NOQA.search(lines[n - 1]) for n in run if n <= len(lines)):
            continue  # a blanket noqa comment covers them already
        if here is not None:
            missing = [c for c in new if not any(c.startswith(old) for old in here.codes)]
            if missing:
                target = lines[here.line - 1]
                lines[here.line - 1] = target[:here.end_col] + ", " + ", ".join(missing) + target[here.end_col:]
                added += len(missing)
            continue
        body = lines[line - 1]
        content = body.rstrip("\r\n")
        lines[line - 1] = f"{content}  # noqa: {', '.join(new)}{body[len(content):]}"
        added += len(new)
    return "".join(lines), added
