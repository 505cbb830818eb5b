"""The machine variants a snippet can run under: other kernels and threads than the build's.

Floating-point results differ in their last bits from one machine to another: PyTorch's own
kernels (ATen) are chosen by the CPU's vector instructions (none, AVX2, AVX-512), MKL and oneDNN
pick code paths of their own, and threads add sums up in another order. One machine can stand in
for others by asking for less than it has. `make matrix` (tools/matrix.py) runs every snippet
under `all_variants()`; `make test` runs its plain `python FILE` run of each snippet under
`second()`, another machine path than the build's, so that every test run shows the asserts hold
on two of them.

MKL has no level without SIMD: "no SIMD" runs MKL on SSE4.2, its lowest, and oneDNN on SSE4.1.
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


# What MKL may use on a machine whose ATen level is this one (MKL has no level without SIMD).
MKL_LEVEL = {"default": "SSE4_2", "avx2": "AVX2"}
ONEDNN_CAP = {"default": "SSE41", "avx2": "AVX2"}


def machine(level: str) -> dict[str, str]:
    """The settings that make this CPU run as one whose best vector instructions are `level`'s:
    ATen's kernels, MKL's and oneDNN's code paths all capped there."""
    env = {"ATEN_CPU_CAPABILITY": level}
    if level in MKL_LEVEL:
        env["MKL_ENABLE_INSTRUCTIONS"] = MKL_LEVEL[level]
    return env


def all_variants(flags: set[str] | None = None, cuda: bool = False) -> dict[str, dict[str, str]]:
    """Name -> settings, for every combination this machine can run: each kernel level it has
    (ATen's kernels with MKL's code path of the same level: no SIMD, AVX2, AVX-512), MKL with and
    without MKL_CBWR=COMPATIBLE, oneDNN with and without an ISA cap, 1 and 2 threads; and CUDA
    where a GPU is present."""
    found = {}
    levels = aten_levels(flags) or ["native"]
    for level, cbwr, onednn, threads in itertools.product(levels, (0, 1), (0, 1), (1, 2)):
        name = (
            f"aten={level} mkl_cbwr={'compatible' if cbwr else 'off'} "
            f"onednn={'capped' if onednn else 'native'} threads={threads}"
        )
        env = {key: str(threads) for key in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
        env["OPENBLAS_NUM_THREADS"] = str(threads)
        env["CUDA_VISIBLE_DEVICES"] = ""
        if level != "native":
            env.update(machine(level))
        if cbwr:
            env["MKL_CBWR"] = "COMPATIBLE"
        if onednn:
            env["ONEDNN_MAX_CPU_ISA"] = ONEDNN_CAP.get(level, "AVX2")
        found[name] = env
    if cuda:
        found["cuda threads=1"] = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return found


def second(flags: set[str] | None = None) -> dict[str, str]:
    """The variant of `make test`'s plain run: this CPU run as one a level below it (an AVX2 CPU
    on an AVX-512 one, one without SIMD on an AVX2 one), ATen, MKL and oneDNN alike, one thread;
    on a CPU that is not x86-64, MKL's compatible path."""
    levels = aten_levels(flags)
    if len(levels) < 2:
        return {"MKL_CBWR": "COMPATIBLE"}
    level = levels[-2]
    return {**machine(level), "ONEDNN_MAX_CPU_ISA": ONEDNN_CAP[level]}
