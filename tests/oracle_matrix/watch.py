"""What a step of an experiment emits: Python warnings, TensorFlow's logger warnings, the error it
raises. Runs inside the cells (Python 3.7 too)."""

import logging
import warnings

# Python's own notices about APIs, not about the model: never part of an observation.
_NOISE = (DeprecationWarning, PendingDeprecationWarning, FutureWarning, ImportWarning, ResourceWarning)
_LOG_NOISE = ("deprecat", "retracing", "tf.function", "AutoGraph", "Could not load dynamic library",
              "is not available in", "Entity <", "set_session", "get_session", "placeholder",
              "ParallelMapDataset", "shape of the input", "oneDNN", "FutureWarning", "np_utils",
              "build()` was called", "input_shape", "Creating variables on a non-first call")


def _first_line(text, limit=300):
    """The line that says what happened: the first, unless it only introduces a traceback
    (TF's "in user code:"), then the last."""
    lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
    if not lines:
        return ""
    intro = lines[0].endswith(":") and len(lines[0]) < 40 and len(lines) > 1
    return (lines[-1] if intro else lines[0])[:limit]


class _ListHandler(logging.Handler):
    def __init__(self, sink):
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record):
        try:
            self.sink.append(record.getMessage())
        except Exception:
            pass


class Stage:
    """`with Stage() as s: ...` records the warnings and the error of the block (the error is
    swallowed; `s.error` is "Type: first line" or None)."""

    def __init__(self):
        self.warnings = []
        self.error = None

    def __enter__(self):
        self._catch = warnings.catch_warnings(record=True)
        self._records = self._catch.__enter__()
        warnings.simplefilter("always")
        self._logs = []
        self._handler = _ListHandler(self._logs)
        self._loggers = [logging.getLogger(n) for n in ("tensorflow", "absl", "keras", "py.warnings")]
        for logger in self._loggers:
            logger.addHandler(self._handler)
        return self

    def __exit__(self, kind, exc, tb):
        for logger in self._loggers:
            logger.removeHandler(self._handler)
        self._catch.__exit__(None, None, None)
        seen = []
        for w in self._records:
            if issubclass(w.category, _NOISE):
                continue
            seen.append("%s: %s" % (w.category.__name__, _first_line(w.message)))
        for text in self._logs:
            if not any(n.lower() in text.lower() for n in _LOG_NOISE):
                seen.append("log: " + _first_line(text))
        for text in seen:
            if text not in self.warnings:
                self.warnings.append(text)
        if exc is not None:
            if not isinstance(exc, Exception):
                return False
            self.error = "%s: %s" % (type(exc).__name__, _first_line(exc))
        return True

    def record(self):
        return {"warnings": self.warnings, "error": self.error}
