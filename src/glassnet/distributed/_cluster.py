"""Joining (or starting) a Ray cluster, with errors that name the argument instead of hanging."""

from __future__ import annotations

import os
import socket
import time
from typing import Any

CONNECT_TIMEOUT_S = 3.0  # an address that does not answer within this is refused
DEFAULT_PORT = 6379  # Ray's GCS port when an address gives none


def import_ray(what: str) -> Any:
    """The `ray` module, or an ImportError saying which extra installs it."""
    try:
        import ray
    except ImportError as e:
        raise ImportError(f"{what} needs Ray: pip install 'glassnet[distributed]' ({e})") from None
    return ray


def _host_port(address: str) -> tuple[str, int]:
    """("host", port) of "host:port", "ray://host:port" or "host"."""
    rest = address.split("://", 1)[-1]
    host, _, port = rest.rpartition(":") if ":" in rest else (rest, "", "")
    if not port:
        return rest, DEFAULT_PORT
    try:
        return host, int(port)
    except ValueError:
        raise ValueError(
            f"address={address!r}: expected 'host:port', 'ray://host:port' or 'auto'"
        ) from None


def _same_address(a: str, b: str, node_ip: str) -> bool:
    """Whether two "host:port" addresses name the same Ray head (loopback meaning this node,
    `node_ip`)."""

    def ip(host: str) -> str:
        try:
            found = socket.gethostbyname(host)
        except OSError:
            return host
        return node_ip if found.startswith("127.") else found

    (ha, pa), (hb, pb) = _host_port(a), _host_port(b)
    return pa == pb and (ha == hb or ip(ha) == ip(hb))


def check_reachable(address: str, where: str) -> None:
    """Refuse, within CONNECT_TIMEOUT_S, an address nothing listens on (ray.init would wait
    for a minute or more before giving up)."""
    host, port = _host_port(address)
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as e:
        reason = "timed out" if isinstance(e, TimeoutError) else (e.strerror or str(e))
        raise ConnectionError(
            f"{where}: address={address!r}: no Ray cluster answers at {host}:{port} "
            f"({reason} after at most {CONNECT_TIMEOUT_S:g} s); start one with `ray start "
            "--head` there, or pass address=None to run locally"
        ) from None


def local_cpus() -> int:
    """The cores this process may run on (what a local Ray counts)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def connect(address: str | None, where: str, num_cpus: int | None = None) -> Any:
    """Ray, initialised: an already-running session is reused; address=None starts a local
    one (`num_cpus` of this machine's cores, default all), "auto" joins the cluster this
    machine belongs to, "host:port" joins that one."""
    ray = import_ray(where)
    if address not in (None, "auto"):
        if not isinstance(address, str):
            raise TypeError(f"{where}: address must be a string or None, got {address!r}")
        check_reachable(address, where)
    if ray.is_initialized():
        current = ray.get_runtime_context().gcs_address
        node_ip = ray.util.get_node_ip_address()
        if address not in (None, "auto") and not _same_address(address, current, node_ip):
            raise ConnectionError(
                f"{where}: address={address!r}, but this process is already connected to "
                f"the Ray cluster at {current}; call ray.shutdown() first"
            )
        return ray
    try:
        ray.init(
            address=address,
            num_cpus=num_cpus if address is None else None,
            include_dashboard=False,
            logging_level="ERROR",
        )
    except ConnectionError as e:
        raise ConnectionError(
            f"{where}: address={address!r}: cannot join a Ray cluster ({e})"
        ) from None
    return ray


def cluster_cpus(ray: Any, want: float = 0.0, wait_s: float = 5.0) -> tuple[float, float]:
    """(all CPUs of the cluster, CPUs free): waits up to `wait_s` for `want` to be free when
    the cluster has that many (actors just killed give theirs back a moment later)."""
    deadline = time.monotonic() + wait_s
    while True:
        total = ray.cluster_resources().get("CPU", 0.0)
        free = ray.available_resources().get("CPU", 0.0)
        if free >= want or want > total or time.monotonic() > deadline:
            return total, free
        time.sleep(0.1)
