"""`glassnet.data.load_csv` against `pandas.read_csv` on files written here, in one run.

The file: ROWS rows of 4 float columns and a label of 40,000 distinct names (10^6 rows, about
36 MB). Each read runs in a fresh interpreter, alternating glassnet and pandas REPEATS times;
printed are the median seconds, the ratio glassnet/pandas (below 1 means glassnet is faster)
and the peak memory above a bare interpreter's (VmHWM) per MB of file. Last line:
``ratio_time=… glassnet_mib_per_mib=… pandas_mib_per_mib=…``.

    python benchmarks/csv_load.py [rows]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
REPEATS = 3

_CHILD = r"""
import json, re, sys, time
import numpy as np
which, path, bare = sys.argv[1], sys.argv[2], sys.argv[3] == "bare"
if which == "glassnet":
    from glassnet.data import load_csv
    read = lambda: load_csv(path, target="label")
else:
    import pandas as pd
    read = lambda: pd.read_csv(path)
if bare:
    read = lambda: None
def hwm():
    with open("/proc/self/status") as f:
        return int(re.search(r"VmHWM:\s*(\d+)", f.read()).group(1)) * 1024
t = time.perf_counter()
out = read()
secs = time.perf_counter() - t
print(json.dumps([secs, hwm()]))
"""


def _write(path: str, rows: int) -> None:
    rng = np.random.default_rng(0)
    with open(path, "w") as f:
        f.write("a,b,c,d,label\n")
        for start in range(0, rows, 100_000):
            n = min(100_000, rows - start)
            x = rng.normal(size=(n, 4)).round(4)
            names = (np.arange(start, start + n) * 7919) % 40_000
            f.writelines(
                f"{a:g},{b:g},{c:g},{d:g},name{k}\n"
                for (a, b, c, d), k in zip(x.tolist(), names.tolist())
            )


def _run(which: str, path: str, bare: bool = False) -> tuple[float, int]:
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    argv = [sys.executable, "-c", _CHILD, which, path, "bare" if bare else "read"]
    out = subprocess.run(argv, capture_output=True, text=True, check=True, env=env).stdout
    secs, peak = json.loads(out.strip().splitlines()[-1])
    return secs, peak


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "rows.csv")
        _write(path, ROWS)
        mb = os.path.getsize(path) / 2**20
        print(f"file: {ROWS:,} rows, {mb:.1f} MiB")
        bare = {which: _run(which, path, bare=True)[1] for which in ("glassnet", "pandas")}
        times: dict[str, list[float]] = {"glassnet": [], "pandas": []}
        peaks: dict[str, list[int]] = {"glassnet": [], "pandas": []}
        for _ in range(REPEATS):
            for which in times:
                secs, peak = _run(which, path)
                times[which].append(secs)
                peaks[which].append(peak)
        per_mb = {}
        for which in times:
            t, p = statistics.median(times[which]), min(peaks[which])
            per_mb[which] = (p - bare[which]) / 2**20 / mb
            print(
                f"{which:8s} {t:6.2f} s   peak {p / 2**20:6.0f} MiB, "
                f"{per_mb[which]:.2f} MiB per MiB of file above the interpreter with the "
                "library imported"
            )
        ratio = statistics.median(times["glassnet"]) / statistics.median(times["pandas"])
        print(
            f"ratio_time={ratio:.2f} glassnet_mib_per_mib={per_mb['glassnet']:.2f} "
            f"pandas_mib_per_mib={per_mb['pandas']:.2f}"
        )


if __name__ == "__main__":
    main()
