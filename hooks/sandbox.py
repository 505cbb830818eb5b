"""Run a snippet confined: no network, its own throwaway folder, nothing left running afterwards.

The build (hooks/snippets.py), the tests (tests/checks.py, tests/test_notebooks.py) and the tools
(tools/run_snippets.py, tools/bench.py) all run snippets through this module, so a snippet meets
the same walls everywhere:

- **No network.** Where the machine allows unprivileged namespaces (Linux, including as root in a
  container), the snippet runs in new user, network, mount and PID namespaces: the network
  namespace has only a loopback interface, brought up so that local multi-process examples (gloo
  on 127.0.0.1) still work; host names resolve from /etc/hosts only (a DNS server is out of reach
  anyway, and failing fast with "not found" is what a reader's machine answers for a local name).
  Elsewhere (macOS, a kernel that forbids user namespaces) a socket shim is loaded instead
  (hooks/no_network/sitecustomize.py): every Internet connection and name lookup raises.
  `isolation()` says which applies.
- **Nothing survives it.** The snippet is the first process of its PID namespace, so when it
  exits the kernel kills every process it started; it also leads its own process group, which
  is killed whole on a time-out and after exit (the only wall under the shim).
- **Its own folder, and a cap on what it writes.** It runs in a fresh temporary working folder,
  removed afterwards; each file it writes, its output included, is capped (RLIMIT_FSIZE), and
  its printed output must stay under `MAX_OUTPUT` bytes.

    python hooks/sandbox.py [--fsize BYTES] -- COMMAND ARG...   # the launcher `run` uses
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import os
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHIM = HERE / "no_network"  # its sitecustomize.py cuts the network off inside Python
MAX_OUTPUT = 256 * 1024  # bytes a snippet may print (a page shows far less)
MAX_FILE = 64 * 1024 * 1024  # bytes of any one file a snippet writes
FILE_TOO_LARGE = f"[Errno {errno.EFBIG}] {os.strerror(errno.EFBIG)}"  # a write over MAX_FILE

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
PR_SET_PDEATHSIG = 1
RESOLVER = "/etc/nsswitch.conf"


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as file:
        file.write(text)


def _loopback_up() -> None:
    """Bring up `lo` in this network namespace (an ioctl: no `ip` command needed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sh", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sh", b"lo", flags | IFF_UP))


def _hosts_from_files_only(libc) -> None:
    """In this mount namespace, resolve host names from /etc/hosts only (no DNS)."""
    if not os.path.isfile(RESOLVER):
        return
    _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
    handle, config = tempfile.mkstemp(prefix="nsswitch-", suffix=".conf")
    with os.fdopen(handle, "w") as file:
        file.write("hosts: files\n")
    _check(
        libc.mount(config.encode(), RESOLVER.encode(), None, MS_BIND, None),
        f"mount --bind {RESOLVER}",
    )
    os.unlink(config)  # the mount keeps the file's content visible


class NamespacesUnavailable(OSError):
    """This machine does not let an unprivileged process make namespaces (macOS; a kernel or a
    container that forbids user namespaces; Ubuntu 24.04's AppArmor restriction)."""


# What unshare(2) answers where namespaces are not allowed, or not there at all.
REFUSED = {errno.EPERM, errno.EACCES, errno.EINVAL, errno.ENOSYS, errno.EUSERS, errno.ENOSPC}


def enter_namespaces() -> None:
    """Move this (single-threaded) process into new user, mount, network and PID namespaces,
    with loopback up and DNS off. The next child it forks is PID 1 of the new PID namespace.
    Raises NamespacesUnavailable where the machine does not allow them; any other failure, once
    in the namespaces, is an error of its own (OSError), never a silent step down to the shim."""
    libc = _libc()
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID) != 0:
        number = ctypes.get_errno()
        error = OSError(number, f"unshare: {os.strerror(number)}")
        if number in REFUSED:
            raise NamespacesUnavailable(number, f"unshare: {os.strerror(number)}") from error
        raise error
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {uid} 1")
    _write("/proc/self/gid_map", f"{gid} {gid} 1")
    _loopback_up()
    with contextlib.suppress(OSError):  # a nicety: with no network, DNS fails fast anyway
        _hosts_from_files_only(libc)


def confine() -> bool:
    """Enter new namespaces (True), or say that the socket shim must do (False): where the
    machine does not allow namespaces, or where `ROADMAP_ISOLATION=shim` asks for the shim. With
    `ROADMAP_REQUIRE_NAMESPACES=1` (CI), a machine without namespaces is an error instead."""
    if os.environ.get("ROADMAP_ISOLATION") == "shim":
        return False
    try:
        enter_namespaces()
    except NamespacesUnavailable as error:
        if os.environ.get("ROADMAP_REQUIRE_NAMESPACES") == "1":
            raise RuntimeError(
                f"sandbox: ROADMAP_REQUIRE_NAMESPACES=1, but this machine refuses user namespaces "
                f"({error}); on Ubuntu 24.04: sudo sysctl -w "
                "kernel.apparmor_restrict_unprivileged_userns=0"
            ) from error
        return False
    return True


def limit_files(max_file: int = MAX_FILE) -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (max_file, max_file))
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)


@functools.cache
def isolation() -> str:
    """ "namespaces" where this machine runs snippets in their own namespaces, else "socket shim"."""
    if not sys.platform.startswith("linux"):
        return "socket shim"
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports by its exit status only
        try:
            enter_namespaces()
            os._exit(0)
        except BaseException:  # noqa: BLE001 - any failure: no namespaces here
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return "namespaces" if os.waitstatus_to_exitcode(status) == 0 else "socket shim"


def effective_isolation() -> str:
    """What a snippet run here gets now: the socket shim when `ROADMAP_ISOLATION=shim` asks for
    it, else what the machine allows (`isolation()`)."""
    return "socket shim" if os.environ.get("ROADMAP_ISOLATION") == "shim" else isolation()


def shim_environment(env: dict[str, str]) -> dict[str, str]:
    """The environment that loads the socket shim into every Python process started with it."""
    paths = [str(SHIM), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    return {**env, "PYTHONPATH": os.pathsep.join(paths)}


def run_as_pid_one(target) -> int:
    """Fork; the child (PID 1 of the new PID namespace after `enter_namespaces`) runs `target()`
    and exits with its status; this process waits for it and returns that status, as a shell
    would (128 + signal number for a child killed by a signal). Signals that ask this process to
    stop are passed on to the child."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # if this process dies, so does it
            code = target() or 0
        finally:
            os._exit(code)
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(number, lambda signum, frame: os.kill(pid, signum))
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def launch(command: list[str], max_file: int = MAX_FILE) -> int:
    """The launcher: confine this process, then run `command` in the confinement."""
    limit_files(max_file)
    if not confine():
        os.execvpe(command[0], command, shim_environment(dict(os.environ)))
    return run_as_pid_one(lambda: os.execvp(command[0], command))


@dataclass
class Completed:
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False
    problem: str = ""  # why the run failed beyond its exit status: time-out, too much output


def run(
    command: list[str],
    *,
    timeout: float,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    max_output: int = MAX_OUTPUT,
    max_file: int = MAX_FILE,
) -> Completed:
    """Run `command` confined (see the module's docstring) and collect what it printed.

    It runs in a fresh temporary folder unless `cwd` is given. Its process group is killed when
    it exits or when `timeout` seconds pass."""
    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="snippet-")))
        out = stack.enter_context(open(work / ".stdout", "w+b"))
        err = stack.enter_context(open(work / ".stderr", "w+b"))
        sandbox_dir = work / "work"
        sandbox_dir.mkdir()
        launcher = [sys.executable, str(Path(__file__)), "--fsize", str(max_file), "--", *command]
        process = subprocess.Popen(
            launcher,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            cwd=cwd or sandbox_dir,
            env=env,
            start_new_session=True,
        )
        timed_out = False
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            kill_group(process.pid)
            process.wait()
        stdout, stderr = _read(out, max_output), _read(err, max_output)
        problem = ""
        if timed_out:
            problem = (
                f"did not finish within {timeout:g} s (stopped, with every process it started)"
            )
        elif stdout is None or stderr is None:
            problem = f"printed more than {max_output // 1024} KB (a page shows a few lines)"
        elif process.returncode in (128 + signal.SIGXFSZ, -signal.SIGXFSZ) or (
            process.returncode and FILE_TOO_LARGE in (stderr or "")
        ):  # killed by SIGXFSZ, or (Python ignores it) failed with EFBIG
            problem = f"wrote a file larger than {max_file // 2**20} MB"
        return Completed(process.returncode, stdout or "", stderr or "", timed_out, problem)


def _read(file, limit: int) -> str | None:
    file.flush()
    if file.seek(0, os.SEEK_END) > limit:
        return None
    file.seek(0)
    return file.read().decode("utf-8", "replace")


def kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def main(argv: list[str]) -> int:
    if argv == ["--isolation"]:
        print(isolation())
        return 0
    max_file = MAX_FILE
    if argv[:1] == ["--fsize"]:
        max_file, argv = int(argv[1]), argv[2:]
    if argv[:1] != ["--"] or len(argv) < 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    try:
        return launch(argv[1:], max_file)
    except RuntimeError as error:  # namespaces required, and refused
        print(error, file=sys.stderr)
        return 125
    except OSError as error:
        if error.errno == errno.ENOENT:
            print(f"sandbox: {argv[1]}: command not found", file=sys.stderr)
            return 127
        raise


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
