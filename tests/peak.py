"""Run a snippet in a fresh interpreter: its outcome, its peak memory and its time.

Peak memory is the child's VmHWM (Linux): `resource.getrusage(...).ru_maxrss` of a child
starts at the RSS of the pytest process that forked it (the kernel carries the high-water
mark across exec), while VmHWM belongs to the new program alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import glassnet

ROOT = Path(__file__).resolve().parents[1]

_WRAPPER = """
import json as _json, re as _re, sys, time as _time
{script}
_t0 = _time.perf_counter()
_out = run(*sys.argv[1:])
_secs = _time.perf_counter() - _t0
with open("/proc/self/status") as _f:
    _hwm = int(_re.search(r"VmHWM:\\s*(\\d+)", _f.read()).group(1)) // 1024
print(_json.dumps([_hwm, _secs, str(_out)]))
"""


def measured(script: str, *args: str, timeout: float = 300, **env: str) -> tuple[int, float, str]:
    """(peak MiB, seconds of `run(*args)`, str of its result) for a script defining run()."""
    paths = [
        str(Path(glassnet.__file__).resolve().parents[1]),
        str(ROOT),
        os.environ.get("PYTHONPATH", ""),
    ]  # this glassnet, and `tests` for helpers
    full_env = {**os.environ, **env, "PYTHONPATH": os.pathsep.join(paths)}
    code = _WRAPPER.format(script=textwrap.dedent(script))
    r = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    mib, secs, out = json.loads(r.stdout.strip().splitlines()[-1])
    return mib, secs, out
