"""A live network target that the sandbox must keep every snippet away from.

A test that only checks that a download fails proves nothing on a machine with no network (CI's):
any failure passes, sandbox or not. So the tests make a target that IS reachable, and show it:

- `python tests/live_target.py --hold` makes a network namespace of its own (in a new user
  namespace: no privilege needed, and no packet leaves it), gives its loopback interface a second,
  non-loopback address, `ADDRESS` (from TEST-NET-2, RFC 5737: documentation only, routed nowhere),
  and answers every TCP connection there with a line of HTTP; it prints its port and lives until
  its stdin closes;
- `python tests/live_target.py --inside PID -- COMMAND...` runs a command inside that namespace:
  an unconfined command reaches the target, so a confined one that fails proves the confinement.

The probes (`PROBE`) connect to the target and print what happened, with the network namespace
they ran in, so a test can tell a namespace run from a shim run and both from an unconfined one.
Used by tests/test_checks_fail.py and tests/test_notebooks.py.
"""

from __future__ import annotations

import errno
import fcntl
import os
import socket
import struct
import subprocess
import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "hooks"))

import sandbox  # noqa: E402

ADDRESS = "198.51.100.7"
SIOCSIFADDR, SIOCSIFNETMASK = 0x8916, 0x891C
CLONE_NEWUSER, CLONE_NEWNET = sandbox.CLONE_NEWUSER, sandbox.CLONE_NEWNET

# What a snippet that reaches for the target prints: "reached", or the error's errno and text;
# and its network namespace (a link such as "net:[4026531840]").
PROBE = """\
import os, socket, sys
print("netns", os.readlink("/proc/self/ns/net"))
try:  # as a library connects: by name lookup first (an address looks itself up)
    with socket.create_connection(({address!r}, {port}), timeout=5) as connection:
        print("reached:", connection.recv(100).decode().splitlines()[0])
except OSError as error:
    print("refused", error.errno, error)
try:  # with a bare socket, no lookup
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as bare:
        bare.settimeout(5)
        bare.connect(({address!r}, {port}))
        print("reached:", bare.recv(100).decode().splitlines()[0])
except OSError as error:
    print("refused", error.errno, error)
"""
WAYS = 2  # the probe's ways of reaching the target: each must be refused


SHIM_MESSAGE = "network access is disabled while the tests run snippets"


def probe(port: int) -> str:
    return PROBE.format(address=ADDRESS, port=port)


def host_netns() -> str:
    return os.readlink("/proc/self/ns/net")


def confinement_problems(printed: str, isolation: str, where: str) -> list[str]:
    """What is wrong with a run confined by `isolation` ("namespaces" or "shim"), from what its
    probe printed when it reached for the live target: it must be refused, with ENETUNREACH in
    a network namespace that is not the host's, or by the shim's own message."""
    if "reached:" in printed:
        return [f"{where}: a confined run reached the live target:\n{printed}"]
    if printed.count("\nrefused ") != WAYS:
        return [f"{where}: the probe did not try its {WAYS} ways to the target:\n{printed}"]
    netns = next((line.split()[1] for line in printed.splitlines() if line.startswith("netns")), "")
    if isolation == "namespaces":
        if printed.count(f"refused {errno.ENETUNREACH} ") != WAYS:
            return [f"{where}: not refused with ENETUNREACH:\n{printed}"]
        if not netns or netns == host_netns():
            return [f"{where}: ran in the host's network namespace, not its own:\n{printed}"]
    elif printed.count(SHIM_MESSAGE) != WAYS:
        return [f"{where}: not refused by the socket shim:\n{printed}"]
    return []


def _sockaddr(ip: str) -> bytes:
    return struct.pack("HH4s8x", socket.AF_INET, 0, socket.inet_aton(ip))


def hold() -> int:
    libc = sandbox._libc()
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        print("no user namespaces here", flush=True)
        return 1
    sandbox._write("/proc/self/setgroups", "deny")
    sandbox._write("/proc/self/uid_map", f"{uid} {uid} 1")
    sandbox._write("/proc/self/gid_map", f"{gid} {gid} 1")
    sandbox._loopback_up()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        fcntl.ioctl(sock, SIOCSIFADDR, struct.pack("16s16s", b"lo:1", _sockaddr(ADDRESS)))
        mask = _sockaddr("255.255.255.255")
        fcntl.ioctl(sock, SIOCSIFNETMASK, struct.pack("16s16s", b"lo:1", mask))
    server = socket.socket()
    server.bind((ADDRESS, 0))
    server.listen(16)

    def answer() -> None:
        while True:
            connection, _ = server.accept()
            with connection:
                connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello")

    threading.Thread(target=answer, daemon=True).start()
    print(f"port {server.getsockname()[1]}", flush=True)
    sys.stdin.read()  # until the test closes our stdin
    return 0


def enter(pid: int) -> None:
    """Join the user and network namespaces of process `pid` (this process: single-threaded)."""
    libc = sandbox._libc()
    for kind, flag in (("user", CLONE_NEWUSER), ("net", CLONE_NEWNET)):
        with open(f"/proc/{pid}/ns/{kind}") as handle:
            if libc.setns(handle.fileno(), flag) != 0:
                raise OSError(sandbox.ctypes.get_errno(), f"setns {kind}")


class Target:
    """The holder process: `port`, and `run` to run a command inside its namespace."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--hold"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline().split()
        self.port = int(line[1]) if line[:1] == ["port"] else None

    def run(self, command: list[str], env: dict | None = None, timeout: float = 60):
        return subprocess.run(
            [sys.executable, __file__, "--inside", str(self.process.pid), "--", *command],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=10)


def main(argv: list[str]) -> int:
    if argv == ["--hold"]:
        return hold()
    if argv[:1] == ["--inside"] and argv[2:3] == ["--"]:
        enter(int(argv[1]))
        os.execvp(argv[3], argv[3:])
    print(__doc__.strip().splitlines()[0], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
