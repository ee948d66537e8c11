"""Run one command and write its wall time and peak memory: `python timed.py OUT COMMAND...`.

speed.py measures through this small process rather than directly: a child that the large
benchmark process starts shares that process's memory until it executes the command (vfork), and
Linux's peak-memory count keeps that size across the exec, so every command would seem to take at
least the benchmark's own memory. Started from here, a command's count starts from this one's few MiB.
"""

import os
import subprocess
import sys
import time

out, command = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
process = subprocess.Popen(command)
_, status, usage = os.wait4(process.pid, 0)
elapsed = time.perf_counter() - start
with open(out, "w", encoding="utf-8") as f:
    f.write(f"{elapsed} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}\n")
