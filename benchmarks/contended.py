"""Every benchmark, quiet and in each contention mode, several times: medians and worst runs.

    python benchmarks/contended.py [--repeats 3] [--modes quiet,busy,numpy,heavy] [NAME ...]

Each run is a fresh process (`BENCH_CONTEND=MODE python benchmarks/NAME.py`) that starts its
own neighbours (see `_common.py`) and prints its ratio against the reference measured in the
same run. The table shows, per benchmark and ratio, the median over the runs, the worst run,
and the median as a share of the quiet median. The rule the project holds itself to: in every
mode the median stays at or above half its quiet value and at or above 0.5, and no heavy-mode
run falls below 0.25; rows that break it are marked.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# name -> extra environment (fit_dnn: one epoch each, not also the 40-epoch run)
BENCHMARKS = {
    "mlp": {},
    "overhead": {},
    "lenet": {},
    "lstm": {},
    "fit_dnn": {"FULL": "0"},
    "sklearn_mlp": {},
    "playground": {},
}
MODES = ["quiet", "busy", "numpy", "heavy"]
_RATIO = re.compile(r"\s*(.*?)\s*=\s*([0-9.]+)")


def ratios(output: str) -> dict[str, float]:
    """The `ratio... = x` figures a benchmark printed (its summary lines)."""
    found = {}
    for line in output.splitlines():
        if line.startswith("ratio"):
            for name, value in _RATIO.findall(line):
                name = re.sub(r"\s*\(.*\)", "", name)  # "ratio lstm (torch / ours)" -> "ratio lstm"
                found[name.replace(" ", "_")] = float(value)
    return found


def run_once(name: str, mode: str) -> dict[str, float]:
    """Run one benchmark once in `mode`; its ratios (an error names the benchmark)."""
    env = dict(os.environ, **BENCHMARKS[name])
    env["BENCH_CONTEND"] = "" if mode == "quiet" else mode
    proc = subprocess.run(
        [sys.executable, os.path.join(HERE, f"{name}.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if proc.returncode:
        raise SystemExit(f"{name} ({mode}) failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    got = ratios(proc.stdout)
    if not got:
        raise SystemExit(f"{name} ({mode}) printed no ratio:\n{proc.stdout[-2000:]}")
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", default=list(BENCHMARKS), help="benchmarks to run")
    ap.add_argument("--repeats", type=int, default=int(os.environ.get("REPEATS", 3)))
    ap.add_argument("--modes", default=",".join(MODES))
    args = ap.parse_args()
    modes = args.modes.split(",")
    unknown = [n for n in args.names if n not in BENCHMARKS] + [m for m in modes if m not in MODES]
    if unknown:
        raise SystemExit(f"unknown benchmark or mode {unknown}; have {list(BENCHMARKS)}, {MODES}")
    runs: dict[tuple[str, str], list[dict[str, float]]] = {}
    t0 = time.perf_counter()
    for r in range(args.repeats):  # repeats outermost: a slow hour hits every mode alike
        for name in args.names:
            for mode in modes:
                got = run_once(name, mode)
                runs.setdefault((name, mode), []).append(got)
                print(f"[{time.perf_counter() - t0:6.0f} s] run {r + 1} {name:12} {mode:6} {got}")
    print()
    print(f"{'benchmark':12} {'ratio':22} {'mode':6} {'median':>7} {'worst':>7} {'/quiet':>7}")
    bad = 0
    for name in args.names:
        for key in runs[(name, modes[0])][0]:
            quiet = None
            for mode in modes:
                values = [run[key] for run in runs[(name, mode)] if key in run]
                med, worst = statistics.median(values), min(values)
                if mode == "quiet":
                    quiet = med
                share = med / quiet if quiet else float("nan")
                ok = mode == "quiet" or (
                    med >= 0.5
                    and (quiet is None or share >= 0.5)
                    and (mode != "heavy" or worst >= 0.25)
                )
                bad += not ok
                mark = "" if ok else "  <-- below the rule"
                print(f"{name:12} {key:22} {mode:6} {med:7.3f} {worst:7.3f} {share:7.2f}{mark}")
    print(f"{bad} row(s) below the rule; {args.repeats} run(s) per mode")


if __name__ == "__main__":
    main()
