"""Build and cache the matrix's environments: one virtual environment per entry of cells.ENVS,
under .matrix/envs/ in the repository (git-ignored), keyed by its Python and pins, so a change of
pins builds a new one and an unchanged one is reused across runs."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from cells import ENVS, Env

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".matrix"
READY = "matrix-env.json"  # written last: an environment without it is incomplete and rebuilt


def _key(env: Env) -> str:
    return hashlib.sha256(json.dumps([env.python, env.steps]).encode()).hexdigest()[:10]


def env_dir(name: str) -> Path:
    return CACHE / "envs" / f"{name}-{_key(ENVS[name])}"


def python_of(name: str) -> Path:
    return env_dir(name) / "bin" / "python"


def base_python(version: str) -> Path:
    """The newest pyenv interpreter whose version starts with `version` (3.7 -> 3.7.16)."""
    root = Path(os.environ.get("PYENV_ROOT") or subprocess.run(["pyenv", "root"], capture_output=True,
                                                                 text=True, check=True).stdout.strip())
    found = sorted((p for p in (root / "versions").glob(f"{version}.*") if p.name.count(".") == 2),
                   key=lambda p: tuple(int(x) for x in p.name.split(".")))
    if not found:
        raise RuntimeError(f"pyenv has no Python {version} (pyenv versions)")
    return found[-1] / "bin" / f"python{version}"


def ready(name: str) -> dict | None:
    marker = env_dir(name) / READY
    return json.loads(marker.read_text()) if marker.is_file() else None


def build(name: str, log) -> dict:
    """The environment's record (Python, pins, `pip freeze`), building it first if needed."""
    record = ready(name)
    if record is not None:
        return record
    env, target = ENVS[name], env_dir(name)
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)

    def run(*args: str) -> str:
        log(f"[{name}] {' '.join(args)}")
        done = subprocess.run(args, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"[{name}] failed: {' '.join(args)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done.stdout

    run(str(base_python(env.python)), "-m", "venv", str(target))
    py = str(target / "bin" / "python")
    run(py, "-m", "pip", "install", "-q", "--upgrade", "pip")
    for step in env.steps:
        run(py, "-m", "pip", "install", "-q", *step)
    record = {"python": run(py, "-c", "import platform; print(platform.python_version())").strip(),
              "steps": [list(s) for s in env.steps],
              "freeze": run(py, "-m", "pip", "freeze", "--all").split()}
    (target / READY).write_text(json.dumps(record, indent=1))
    return record


def prune(log) -> None:
    """Remove cached environments no cell uses any more (their pins changed)."""
    current = {env_dir(name).name for name in ENVS}
    for path in sorted((CACHE / "envs").glob("*")):
        if path.is_dir() and path.name not in current:
            log(f"removing stale environment {path.name}")
            shutil.rmtree(path, ignore_errors=True)
