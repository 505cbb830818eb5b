"""The machine variants a snippet can run under: other kernels and threads than the build's.

Floating-point results differ in their last bits from one machine to another: PyTorch's own
kernels (ATen) are chosen by the CPU's vector instructions (none, AVX2, AVX-512), MKL and oneDNN
pick code paths of their own, and threads add sums up in another order. One machine can stand in
for others by asking for less than it has. `make matrix` (tools/matrix.py) runs every snippet
under `all_variants()`; `make test` runs its plain `python FILE` run of each snippet under
`second()`, another machine path than the build's, so that every test run shows the asserts hold
on two of them.
"""

from __future__ import annotations

import itertools
from pathlib import Path

AVX512 = {"avx512f", "avx512bw", "avx512vl", "avx512dq"}


def cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    line = next((x for x in text.splitlines() if x.startswith(("flags", "Features"))), "")
    return set(line.split(":", 1)[-1].split())


def aten_levels(flags: set[str] | None = None) -> list[str]:
    """ATen's kernel levels this CPU can run, lowest first ([] on a CPU that is not x86-64)."""
    flags = cpu_flags() if flags is None else flags
    if "avx2" not in flags:
        return []
    return ["default", "avx2", *(["avx512"] if flags >= AVX512 else [])]


def all_variants(flags: set[str] | None = None, cuda: bool = False) -> dict[str, dict[str, str]]:
    """Name -> settings, for every combination this machine can run: ATen's kernel levels, MKL
    with and without MKL_CBWR=COMPATIBLE, oneDNN with and without an AVX2 cap, 1 and 2 threads;
    and CUDA where a GPU is present."""
    found = {}
    levels = aten_levels(flags) or ["native"]
    for level, cbwr, onednn, threads in itertools.product(levels, (0, 1), (0, 1), (1, 2)):
        name = (
            f"aten={level} mkl={'compatible' if cbwr else 'native'} "
            f"onednn={'avx2' if onednn else 'native'} threads={threads}"
        )
        env = {key: str(threads) for key in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
        env["OPENBLAS_NUM_THREADS"] = str(threads)
        env["CUDA_VISIBLE_DEVICES"] = ""
        if level != "native":
            env["ATEN_CPU_CAPABILITY"] = level
        if cbwr:
            env["MKL_CBWR"] = "COMPATIBLE"
        if onednn:
            env["ONEDNN_MAX_CPU_ISA"] = "AVX2"
        found[name] = env
    if cuda:
        found["cuda threads=1"] = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return found


def second(flags: set[str] | None = None) -> dict[str, str]:
    """The variant of `make test`'s plain run: the kernel level below this CPU's own (AVX2 on an
    AVX-512 CPU, none on an AVX2 one), MKL's compatible path and oneDNN capped, one thread; on a
    CPU that is not x86-64, MKL's compatible path alone."""
    levels = aten_levels(flags)
    env = {"MKL_CBWR": "COMPATIBLE"}
    if levels:
        env["ATEN_CPU_CAPABILITY"] = levels[-2]
        env["ONEDNN_MAX_CPU_ISA"] = "AVX2"
    return env
