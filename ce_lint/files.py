"""Which files a run checks (the paths given, folders walked, excluded names pruned), how a file is read
(regular files only, within a size limit) and how a fixed file is written back."""

from __future__ import annotations

import contextlib
import fnmatch
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .config import DEFAULT_INCLUDE, DEFAULT_MAX_FILE_SIZE, Settings
from .diagnostics import FileError
from .gitignore import GitIgnore
from .project import Project, Resolver


def _matches(name: str, path: str, patterns: tuple[str, ...], root: str | None = None) -> bool:
    relative = os.path.relpath(path, root) if root is not None else path
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(path, p) or fnmatch.fnmatch(path, f"*/{p}")
               or fnmatch.fnmatch(relative, p) for p in patterns)


class _Fixed:
    """The same settings for every folder (no configuration files to look for)."""

    def __init__(self, exclude: tuple[str, ...], include: tuple[str, ...]) -> None:
        self.project = Project(Settings(exclude=exclude, include=include, respect_gitignore=False), Path.cwd())

    def for_path(self, path: str | Path) -> Project:
        return self.project

    def for_folder(self, folder: str) -> Project:
        return self.project


def discover(paths: list[str], exclude: tuple[str, ...] = (), include: tuple[str, ...] = DEFAULT_INCLUDE,
             resolver: Resolver | None = None) -> Iterator[str]:
    """The files under `paths` that match `include` (scripts and notebooks), in a stable order, each once
    however it is spelled (`a.py`, `./a.py`, and the folder holding it). With a resolver, each folder's
    own configuration says what is excluded (and whether .gitignore counts), else `exclude`. Files
    named explicitly are always checked unless `force-exclude` is on; missing paths, and folders that
    can't be listed, are yielded too, so that reading them reports the error."""
    projects = resolver if resolver is not None else _Fixed(tuple(exclude), tuple(include))
    ignore = GitIgnore()
    seen: set[str] = set()
    for path in paths:
        for found in _walk(path, projects, ignore):
            identity = os.path.normcase(os.path.abspath(found))
            if identity not in seen:
                seen.add(identity)
                yield found


def _walk(path: str, projects: Resolver | _Fixed, ignore: GitIgnore) -> Iterator[str]:
    if not os.path.isdir(path):
        if not _forced_out(path, projects.for_path(path), ignore):
            yield path
        return
    if _forced_out(path, projects.for_path(path), ignore, folder=True):
        return
    found, unreadable = [], []
    for root, dirs, files in os.walk(path, onerror=lambda error: unreadable.append(error.filename)):
        project = projects.for_folder(os.path.abspath(root))
        settings, top = project.settings, str(project.root)
        dirs[:] = [name for name in sorted(dirs) if not _skipped(os.path.join(root, name), settings, top, ignore)]
        include = settings.include + settings.extend_include
        exclude = settings.exclude + settings.extend_exclude
        for name in files:
            full = os.path.join(root, name)
            if (_matches(name, full, include) and not _matches(name, full, exclude, top)
                    and not (settings.respect_gitignore and ignore.ignored(full, False))):
                found.append(os.path.normpath(full))
    yield from sorted(found + [os.path.normpath(str(folder)) for folder in unreadable if folder is not None])


def _skipped(folder: str, settings: Settings, top: str, ignore: GitIgnore) -> bool:
    """Whether a walk leaves out a folder: excluded, a virtual environment, or ignored by git."""
    return (_matches(os.path.basename(folder), folder, settings.excluded, top)
            or os.path.exists(os.path.join(folder, "pyvenv.cfg"))
            or (settings.respect_gitignore and ignore.ignored(folder, True)))


def _forced_out(path: str, project: Project, ignore: GitIgnore, folder: bool = False) -> bool:
    """Whether `force-exclude` keeps out a path named on the command line (as Ruff, for pre-commit,
    which names files one by one)."""
    settings = project.settings
    if not settings.force_exclude:
        return False
    absolute = os.path.abspath(path)
    parts = Path(os.path.relpath(absolute, project.root)).parts
    if parts and parts[0] != os.pardir:  # every folder between the project's root and the path counts
        prefixes = [os.path.join(str(project.root), *parts[:i]) for i in range(1, len(parts) + 1)]
    else:
        prefixes = [absolute]
    if any(_matches(os.path.basename(p), p, settings.excluded, str(project.root)) for p in prefixes):
        return True
    return settings.respect_gitignore and ignore.ignored_within(absolute, folder)


@dataclass(frozen=True)
class Stamp:
    """What identifies the version of a file that was read: a fix is written only over that version."""

    device: int
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, status: os.stat_result) -> Stamp:
        return cls(status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)


# Outputs (plots, tables) make notebooks large, and reading one steps over them without decoding: a
# notebook may be this many times max-file-size (its code is still held to the tree budget).
NOTEBOOK_SIZE_FACTOR = 25


def read_source(path: str, max_size: int = DEFAULT_MAX_FILE_SIZE) -> tuple[bytes, Stamp]:
    """The bytes of the regular file at `path` and its stamp. FileError (one line) for a folder, anything
    that is not a regular file (a FIFO, a device, a socket: never opened, so never waited on) and a file
    over `max_size` bytes, or NOTEBOOK_SIZE_FACTOR times that for a notebook (never read whole); OSError
    when the system refuses."""
    notebook = path.lower().endswith(".ipynb")  # no import of ce_lint.notebooks: it loads the analysis
    if notebook:
        max_size *= NOTEBOOK_SIZE_FACTOR
    status = os.stat(path)
    if stat.S_ISDIR(status.st_mode):
        os.listdir(path)  # an unreadable folder raises here, with the system's words
        raise FileError("is a folder")
    _check_regular(status, max_size, notebook)
    # O_NONBLOCK: if a FIFO took the file's place since the stat, opening it doesn't wait for a writer.
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                         | getattr(os, "O_BINARY", 0))
    with os.fdopen(descriptor, "rb") as handle:
        status = os.fstat(handle.fileno())
        _check_regular(status, max_size, notebook)
        data = handle.read(max_size + 1)
    if len(data) > max_size:
        raise FileError(_too_large(len(data), max_size, notebook))
    return data, Stamp.of(status)


def _check_regular(status: os.stat_result, max_size: int, notebook: bool) -> None:
    if not stat.S_ISREG(status.st_mode):
        raise FileError("not a regular file")
    if status.st_size > max_size:
        raise FileError(_too_large(status.st_size, max_size, notebook))


def _too_large(size: int, max_size: int, notebook: bool) -> str:
    limit = f"{NOTEBOOK_SIZE_FACTOR} times max-file-size for a notebook" if notebook else "max-file-size"
    return f"file too large to analyse ({size:,} bytes; the limit, {limit}, is {max_size:,})"


def write_atomic(path: str, data: bytes, tree: tuple[str, ...] = (), expected: Stamp | None = None) -> None:
    """Replace the file's content by `data` so that a failure at any point (a full disk, a signal)
    leaves either the old file or the new one, never a mix: the bytes go to a temporary file in the
    same folder, are flushed to disk, take the old file's mode, and then replace it in one rename.
    A symlink is followed (its target is replaced, the link stays a link), but only to a file inside
    one of the folders of `tree` (the checked folders; empty: anywhere). With `expected`, a file that
    changed since it was read is left alone. FileError (one line) when it can't be written; the file is
    then unchanged."""
    target = os.path.realpath(path)
    if tree and not any(_inside(target, folder) for folder in tree):
        raise FileError(f"not fixed: it links to {target}, outside the checked folders")
    folder = os.path.dirname(target) or "."
    import tempfile  # only fixes write: a check never needs it

    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(target)}.",
                                             suffix=".ce-lint.tmp")
    except OSError as exc:
        raise FileError(_not_written(exc)) from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        status = os.stat(target)
        if expected is not None and Stamp.of(status) != expected:
            raise FileError("not fixed: the file changed while it was being fixed; run again")
        os.chmod(temporary, stat.S_IMODE(status.st_mode))
        os.replace(temporary, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise FileError(_not_written(exc)) from None
        raise


def one_name_each(paths: list[str]) -> list[str]:
    """The paths with one name kept for each real file (the one that isn't a symlink, if any), in order:
    a file fixed under two names in parallel would be read by one and rewritten by the other."""
    chosen: dict[str, str] = {}
    for path in paths:
        real = os.path.realpath(path)
        if real not in chosen or (os.path.islink(chosen[real]) and not os.path.islink(path)):
            chosen[real] = path
    kept = set(chosen.values())
    return [path for path in paths if path in kept]


def checked_tree(paths: list[str]) -> tuple[str, ...]:
    """The folders a run checks, symlinks resolved: each folder named, and the folder of each file named."""
    return tuple(os.path.realpath(p if os.path.isdir(p) else os.path.dirname(p) or ".") for p in paths)


def _inside(target: str, folder: str) -> bool:
    return target == folder or target.startswith(folder.rstrip(os.sep) + os.sep)


def _not_written(exc: OSError) -> str:
    return f"cannot write the fixes ({exc.strerror or exc}); the file is unchanged"
