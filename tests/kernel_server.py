"""A fork server of Jupyter kernels: each notebook of the tests gets a fresh, confined kernel that
starts with the libraries already imported, as the build's fork server starts each snippet.

    python tests/kernel_server.py --serve SOCKET --preload torch,numpy,...   # one per test worker
    python tests/kernel_server.py --connect SOCKET -f CONNECTION_FILE        # a kernel's argv

Importing PyTorch, Matplotlib, scikit-learn and ipykernel takes seconds, which a fresh kernel per
notebook would pay again and again. The server imports them once; for each kernel, Jupyter starts
the small `--connect` launcher (the kernel's argv in its kernel spec), which hands the server its
connection file, working folder and standard streams (over a Unix socket, with SCM_RIGHTS), and
then stands for the kernel: it forwards the signals Jupyter sends it (interrupt, terminate) and
exits with the kernel's exit status. The server forks one child per kernel: a fresh copy of a
process that has imported the libraries but run nothing, re-seeded as a new interpreter would be,
confined by hooks/sandbox.py as every snippet run is (own namespaces, own process group), which
starts ipykernel on the connection file. When the launcher dies, even by SIGKILL, its socket
closes and the server kills that kernel with everything it started.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import sys
from pathlib import Path

HOOKS = Path(__file__).resolve().parent.parent / "hooks"
# What a kernel imports as it starts (every reader's kernel does), imported once here: IPython's
# shell, and the debugger and event loop that ipykernel sets up (0.35 s of each kernel's 0.45 s
# start, measured).
KERNEL_MODULES = [
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",
    "IPython.core.completerlib",
    "IPython.core.oinspect",
    "IPython.extensions.storemagic",
    "sqlite3",
    "tornado.platform.asyncio",
    "tornado.queues",
    "encodings.idna",
]


# --- the launcher: what Jupyter starts as "the kernel" ----------------------------------------------


def connect(path: str, connection_file: str) -> int:
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(path)
    request = {"connection_file": os.path.abspath(connection_file), "cwd": os.getcwd()}
    socket.send_fds(client, [json.dumps(request).encode() + b"\n"], [0, 1, 2])
    reader = client.makefile("r")
    pid = int(json.loads(reader.readline())["pid"])

    def forward(signum, frame):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)

    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, forward)
    while True:
        try:
            line = reader.readline()
            break
        except InterruptedError:
            continue
    return int(json.loads(line)["exit"]) if line else 1


# --- the server ---------------------------------------------------------------------------------------


def _kernel(request: dict) -> None:
    """In the forked child: confine, then run ipykernel as PID 1 of its namespaces."""
    import sandbox
    from run_snippet import _reseed

    os.setsid()
    if not sandbox.confine():
        exec(  # noqa: S102 - the socket shim, as a fresh interpreter would load it
            compile((sandbox.SHIM / "sitecustomize.py").read_text(), "sitecustomize.py", "exec"),
            {"__name__": "sitecustomize"},
        )

    def target() -> int:
        os.chdir(request["cwd"])
        _reseed()
        from ipykernel.kernelapp import IPKernelApp

        sys.argv = [sys.executable, "-f", request["connection_file"]]
        app = IPKernelApp.instance()
        app.initialize(["-f", request["connection_file"]])
        app.start()
        return 0

    os._exit(sandbox.run_as_pid_one(target))


def serve(path: str) -> int:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(8)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    kernels: dict[socket.socket, int] = {}  # launcher's connection -> the kernel's pid
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        ready, _, _ = select.select([listener, *kernels], [], [], 0.1)
        for conn in ready:
            if conn is listener:
                client, _ = listener.accept()
                message, fds, _, _ = socket.recv_fds(client, 65536, 3)
                request = json.loads(message)
                sys.stdout.flush()
                pid = os.fork()
                if pid == 0:
                    try:
                        listener.close()
                        for fd, target in zip(fds, (0, 1, 2), strict=True):
                            os.dup2(fd, target)
                        _kernel(request)
                    finally:
                        os._exit(70)
                for fd in fds:
                    os.close(fd)
                client.sendall(json.dumps({"pid": pid}).encode() + b"\n")
                kernels[client] = pid
            else:  # the launcher hung up (it died): its kernel goes with it
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(kernels[conn], signal.SIGKILL)
                conn.close()
                del kernels[conn]
        while True:  # reap every kernel that ended; tell its launcher, if it is still there
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if not pid:
                break
            for client, kernel in list(kernels.items()):
                if kernel == pid:
                    code = os.waitstatus_to_exitcode(status)
                    with contextlib.suppress(OSError):
                        client.sendall(json.dumps({"exit": code}).encode() + b"\n")
                    client.close()
                    del kernels[client]


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(HOOKS))
    if argv[:1] == ["--connect"]:
        return connect(argv[1], argv[argv.index("-f") + 1])
    if argv[:1] == ["--serve"]:
        from run_snippet import preload

        modules = argv[argv.index("--preload") + 1].split(",") if "--preload" in argv else []
        preload([m for m in modules if m] + KERNEL_MODULES)
        return serve(argv[1])
    print(__doc__.strip().splitlines()[2], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
