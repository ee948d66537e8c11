"""ce-lint: static checks for how classifiers wire activations, losses and metrics."""

import sys
import threading
import types

__version__ = "0.1.0"


class _Deferred(types.ModuleType):
    """A module imported but not yet run: its code runs on the first attribute it doesn't have
    (`cst.parse_module`), in this same module object. `import libcst` only reads `__spec__`, which
    it has, so every module of ce_lint may import libcst at the top and pay for it only on use."""

    def __getattr__(self, name: str) -> object:
        with _LOADING:  # another thread waits here until the module has run, then finds what it wants
            if type(self) is _Deferred:
                if self.__dict__.get("__ce_lint_running__"):  # asked while it runs: not there yet
                    raise AttributeError(f"partially initialized module {self.__name__!r} has no attribute {name!r}")
                self.__dict__["__ce_lint_running__"] = True
                try:
                    loader = self.__spec__.loader if self.__spec__ is not None else None
                    assert loader is not None  # defer_libcst makes one only from a spec with a loader
                    loader.exec_module(self)
                except BaseException:
                    sys.modules.pop(self.__name__, None)  # a later import tries again, and says why
                    raise
                finally:
                    del self.__dict__["__ce_lint_running__"]
                self.__class__ = types.ModuleType  # type: ignore[assignment]
        return getattr(self, name)


_LOADING = threading.RLock()


def defer_libcst(name: str = "libcst") -> None:
    """Import libcst lazily: a run whose files are all cached or gated out never pays for it (most of
    a cached run's time), and the rule table loads without it. Only the `ce-lint` command does this
    (ce_lint.cli): in a process it doesn't own (flake8, pylint, pylsp, a user's script) another
    importer of a libcst submodule (`import libcst._nodes.expression`, as hypothesmith does) would
    meet a package that hasn't run."""
    import importlib.util

    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return  # not installed: the first real import says so
    module = importlib.util.module_from_spec(spec)
    module.__class__ = _Deferred
    sys.modules[name] = module

