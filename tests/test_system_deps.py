"""`make test` installs the system packages the tests need (scripts/ensure-system-deps.sh).

The script runs against stub commands (id, fc-list, apt-get) on a PATH of their own, so no
package is installed and no root is needed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "ensure-system-deps.sh"


def _stub(bin_dir: Path, name: str, body: str) -> None:
    p = bin_dir / name
    p.write_text(f"#!/bin/bash\n{body}\n")
    p.chmod(0o755)


def _run(
    tmp_path: Path,
    uid: int,
    chromium: bool,
    font: bool,
    fc_list: bool = True,
    apt_installs: bool = True,
    libatomic: bool = True,
    dot: bool = True,
) -> tuple[subprocess.CompletedProcess, list[str]]:
    """Run the script with stubs; returns the result and the apt-get calls it made."""
    bin_dir, log, browser = tmp_path / "bin", tmp_path / "apt.log", tmp_path / "chromium"
    bin_dir.mkdir()
    (bin_dir / "grep").symlink_to(shutil.which("grep"))
    _stub(bin_dir, "id", f"echo {uid}")
    fc = f'[ -e {tmp_path}/font ] && echo "/usr/share/fonts/NanumGothic.ttf: NanumGothic"'
    if fc_list:
        _stub(bin_dir, "fc-list", fc + "; true")
    if chromium:
        _stub(bin_dir.parent, "chromium", "true")
    if font:
        (tmp_path / "font").touch()
    if libatomic:
        (tmp_path / "libatomic").touch()
    if dot:
        _stub(tmp_path, "dot", "true")
    _stub(
        bin_dir,
        "ldconfig",
        f"[ -e {tmp_path}/libatomic ] && "
        'echo "libatomic.so.1 (libc6,x86-64) => /lib/libatomic.so.1"; true',
    )
    chmod = shutil.which("chmod")
    install = (
        (
            f"echo true > {browser}; : > {tmp_path}/font; : > {tmp_path}/libatomic; "
            f"{chmod} +x {browser}; echo true > {tmp_path}/dot; {chmod} +x {tmp_path}/dot; "
            f"printf '#!/bin/bash\\n{fc}; true\\n' > {bin_dir}/fc-list; "
            f"{chmod} +x {bin_dir}/fc-list"
        )
        if apt_installs
        else "true"
    )
    _stub(
        bin_dir,
        "apt-get",
        f'echo "DEBIAN_FRONTEND=$DEBIAN_FRONTEND $*" >> {log}\n'
        f'[ "$1" = install ] && {{ {install}; }}; true',
    )
    env = {
        "PATH": str(bin_dir),
        "CHROMIUM": str(browser),
        "HOME": str(tmp_path),
        "LDCONFIG": str(bin_dir / "ldconfig"),
        "DOT": str(tmp_path / "dot"),
    }
    r = subprocess.run(
        ["/bin/bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60
    )
    return r, log.read_text().splitlines() if log.exists() else []


def test_nothing_is_installed_when_chromium_and_a_korean_font_are_there(tmp_path):
    r, calls = _run(tmp_path, uid=0, chromium=True, font=True)
    assert (r.returncode, r.stderr, calls) == (0, "", [])


def test_root_installs_what_is_missing_with_apt_get(tmp_path):
    r, calls = _run(tmp_path, uid=0, chromium=False, font=False, fc_list=False)
    assert r.returncode == 0, r.stderr
    assert calls == [
        "DEBIAN_FRONTEND= update -qq",
        "DEBIAN_FRONTEND=noninteractive install -y -qq chromium fontconfig fonts-nanum",
    ]


def test_playwrights_node_needs_libatomic1_which_a_minimal_debian_lacks(tmp_path):
    # regression: a fresh bookworm chroot failed every browser test with "node: error while
    # loading shared libraries: libatomic.so.1" although chromium and the font were installed
    r, calls = _run(tmp_path, uid=0, chromium=True, font=True, libatomic=False)
    assert r.returncode == 0, r.stderr
    assert calls[-1] == "DEBIAN_FRONTEND=noninteractive install -y -qq libatomic1"
    user = tmp_path / "user"
    user.mkdir()
    r, _ = _run(user, uid=1000, chromium=True, font=True, libatomic=False)
    assert r.returncode == 1 and "need libatomic1 (missing)" in r.stderr


def test_graphviz_is_installed_for_the_graph_drawings(tmp_path):
    r, calls = _run(tmp_path, uid=0, chromium=True, font=True, dot=False)
    assert r.returncode == 0, r.stderr
    assert calls[-1] == "DEBIAN_FRONTEND=noninteractive install -y -qq graphviz"


def test_root_fails_when_the_install_did_not_provide_them(tmp_path):
    r, calls = _run(tmp_path, uid=0, chromium=True, font=False, apt_installs=False)
    assert r.returncode == 1 and "a Korean font (fc-list :lang=ko) is still missing" in r.stderr
    assert calls[-1].endswith("install -y -qq fonts-nanum")


def test_a_user_gets_one_line_with_the_command_and_a_failure(tmp_path):
    r, calls = _run(tmp_path, uid=1000, chromium=False, font=False)
    assert r.returncode == 1 and calls == [] and r.stdout == ""
    assert r.stderr.count("\n") == 1
    assert "need chromium fonts-nanum (missing)" in r.stderr
    assert "sudo apt-get update && sudo apt-get install -y chromium fonts-nanum" in r.stderr


def test_make_test_runs_the_script_and_ci_only_calls_make_test():
    out = subprocess.run(
        ["make", "-n", "test"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "MAKEFLAGS": ""},
    ).stdout.splitlines()
    assert "scripts/ensure-system-deps.sh" in out
    assert out.index("scripts/ensure-system-deps.sh") < next(
        i for i, line in enumerate(out) if "pytest" in line
    )
    ci = (ROOT / ".ci" / "run").read_text()
    assert "apt-get" not in ci and ci.rstrip().endswith("make test")
