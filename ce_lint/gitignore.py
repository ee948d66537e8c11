"""What git ignores, for `respect-gitignore`: the .gitignore files of a repository's folders and its
.git/info/exclude, with git's pattern rules (gitignore(5)). Outside a git repository nothing is ignored,
as with git itself. Read from the files, never by running git (which may not be installed)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Pattern:
    base: str  # the folder of the file it comes from (absolute): it matches paths relative to it
    regex: re.Pattern[str]
    negated: bool
    folders_only: bool

    def matches(self, relative: str, is_dir: bool) -> bool:
        """Whether it matches a path given relative to its base, in / form."""
        if self.folders_only and not is_dir:
            return False
        return self.regex.fullmatch(relative) is not None


def parse(text: str, base: str) -> list[Pattern]:
    """The patterns of one ignore file, in order."""
    patterns = []
    for line in text.splitlines():
        line = re.sub(r"(?<!\\)[ \t]+$", "", line)
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        if negated:
            line = line[1:]
        elif line.startswith("\\!") or line.startswith("\\#"):
            line = line[1:]
        folders_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line  # a slash at the start or in the middle: relative to the file's folder only
        body = _translate(line.lstrip("/"))
        patterns.append(Pattern(base, re.compile(body if anchored else f"(?:.*/)?{body}"), negated, folders_only))
    return patterns


def _translate(glob: str) -> str:
    out, i = [], 0
    while i < len(glob):
        if glob.startswith("**/", i) and (i == 0 or glob[i - 1] == "/"):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i) and i + 2 == len(glob) and (i == 0 or glob[i - 1] == "/"):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        elif glob[i] == "[" and glob.find("]", i + 2) > 0:
            end = glob.find("]", i + 2)
            content = glob[i + 1:end]
            if content.startswith("!"):
                content = "^" + content[1:]
            out.append("[" + content.replace("\\", "\\\\") + "]")
            i = end + 1
        elif glob[i] == "\\" and i + 1 < len(glob):
            out.append(re.escape(glob[i + 1]))
            i += 2
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "".join(out)


@lru_cache(maxsize=1024)
def repository_root(folder: str) -> str | None:
    """The top folder of the git repository holding `folder` (absolute), or None."""
    parent = os.path.dirname(folder)
    if os.path.exists(os.path.join(folder, ".git")):
        return folder
    return None if parent == folder else repository_root(parent)


class GitIgnore:
    """Answers whether git ignores a path; each folder's rules are read once."""

    def __init__(self) -> None:
        self._rules: dict[str, tuple[Pattern, ...]] = {}

    def rules(self, folder: str) -> tuple[Pattern, ...]:
        """Every pattern that applies inside `folder` (absolute), the outermost first."""
        if folder in self._rules:
            return self._rules[folder]
        root = repository_root(folder)
        if root is None:
            found: tuple[Pattern, ...] = ()
        else:
            own = tuple(parse(_read(os.path.join(folder, ".gitignore")), folder))
            if folder == root:
                found = tuple(parse(_read(os.path.join(root, ".git", "info", "exclude")), root)) + own
            else:
                found = self.rules(os.path.dirname(folder)) + own
        self._rules[folder] = found
        return found

    def ignored(self, path: str, is_dir: bool) -> bool:
        """Whether git ignores the path itself (the last pattern that matches decides)."""
        path = os.path.abspath(path)
        relative: dict[str, str] = {}  # base -> the path relative to it: few bases, many patterns
        for pattern in reversed(self.rules(os.path.dirname(path))):
            if pattern.base not in relative:
                relative[pattern.base] = os.path.relpath(path, pattern.base).replace(os.sep, "/")
            if pattern.matches(relative[pattern.base], is_dir):
                return not pattern.negated
        return False

    def ignored_within(self, path: str, is_dir: bool) -> bool:
        """Whether git ignores the path or a folder above it in its repository (a file named on the
        command line)."""
        path = os.path.abspath(path)
        root = repository_root(path if is_dir else os.path.dirname(path))
        if root is None:
            return False
        folder, above = os.path.dirname(path), []
        while len(folder) > len(root):
            above.append(folder)
            folder = os.path.dirname(folder)
        return any(self.ignored(f, True) for f in reversed(above)) or self.ignored(path, is_dir)


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            return handle.read()
    except OSError:
        return ""
