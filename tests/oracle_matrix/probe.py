"""Run inside one cell's environment: `python probe.py SPEC_JSON OUT_JSON`.

Runs the probe groups the cell names (probes_keras, probes_torch, ...) and writes what each
experiment observed. It must run on every Python the matrix uses, 3.7 included, and import only
the standard library, NumPy and the frameworks of the cell. Every experiment is guarded: one that
fails records its error and the others still run.
"""

import importlib
import json
import math
import os
import platform
import sys
import time
import traceback


def _clean(value):
    """JSON without NaN/inf (written as strings) and with plain Python numbers."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            value = str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return float("%.6g" % value)
    return value


def main():
    spec = json.loads(sys.argv[1])
    out_path = sys.argv[2]
    started = time.time()
    if spec.get("graph"):
        import tensorflow as tf

        tf.compat.v1.disable_eager_execution()
    experiments = {}
    for group in spec["groups"]:
        module = importlib.import_module("probes_" + group)
        for name, run in module.experiments(spec):
            t0 = time.time()
            try:
                result = run()
            except Exception as exc:  # a probe's own failure, not an observation
                result = {"probe_error": "%s: %s" % (type(exc).__name__, str(exc).splitlines()[0][:300] if str(exc) else ""),
                          "traceback": traceback.format_exc()[-1500:]}
            result["seconds"] = round(time.time() - t0, 2)
            experiments[name] = result
            print("%s %.1fs" % (name, result["seconds"]), file=sys.stderr, flush=True)
    versions = {}
    for mod in ("keras", "tensorflow", "tf_keras", "jax", "torch", "numpy", "torchmetrics", "transformers"):
        if mod in sys.modules:
            versions[mod] = getattr(sys.modules[mod], "__version__", "?")
    report = {"python": platform.python_version(), "versions": versions, "experiments": experiments,
              "seconds": round(time.time() - started, 1), "env": {k: os.environ[k] for k in ("KERAS_BACKEND",)
                                                                   if k in os.environ}}
    with open(out_path, "w") as fh:
        json.dump(_clean(report), fh, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
