"""`make matrix`: every snippet under every variant of kernels and threads this machine can produce.

    python tools/matrix.py                 # every snippet, every variant: the table, then a summary
    python tools/matrix.py 04-pytorch      # the snippets whose path holds "04-pytorch"
    python tools/matrix.py --json FILE     # also write the results as JSON
    python tools/matrix.py --variants threads=1 04-pytorch   # only the variants named so

Floating-point results differ in the last bits from one CPU to another (AVX-512 or AVX2 kernels,
MKL's code paths, oneDNN's, the number of threads), and a training run of a few hundred steps
amplifies that. No setting makes them equal everywhere, so each assert must hold on every machine.
This runs each snippet under each variant this machine can stand in for:

- ATen (PyTorch's own kernels): `default` (no SIMD), `avx2`, and `avx512` where the CPU has it;
- MKL with and without `MKL_CBWR=COMPATIBLE`;
- oneDNN with and without an ISA cap (`ONEDNN_MAX_CPU_ISA=AVX2`);
- 1 and 2 threads;
- CUDA, where a GPU is present.

and reports, for each snippet, the variants it failed under, and, for each value a page fills
in from its snippet's output (hooks/values.py), its spread across the variants. It runs through
the build's own runner (hooks/runs.py: confined, one fork server per variant, results cached by
variant, so a second run only runs what changed). It exits 1 when any snippet fails anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "hooks"))

import runs  # noqa: E402
from values import spreads  # noqa: E402
from variants import all_variants as machine_variants  # noqa: E402


def has_cuda() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:
        return False


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pattern", nargs="?", default="", help="only snippets whose path holds it")
    parser.add_argument("--json", metavar="FILE", help="write the results as JSON")
    parser.add_argument(
        "--variants", metavar="TEXT", default="", help="only the variants whose name holds TEXT"
    )
    args = parser.parse_args(argv)
    relatives = sorted(
        p.relative_to(runs.SNIPPETS).as_posix()
        for p in runs.SNIPPETS.rglob("*.py")
        if args.pattern in p.relative_to(runs.SNIPPETS).as_posix()
    )
    table: dict[str, dict[str, dict | str]] = {}  # variant -> snippet -> result or error
    cores = os.cpu_count() or 2
    started = time.perf_counter()
    all_variants = {
        name: env
        for name, env in machine_variants(cuda=has_cuda()).items()
        if args.variants in name
    }
    print(f"{len(all_variants)} variants x {len(relatives)} snippets on this machine", flush=True)
    for number, (name, env) in enumerate(all_variants.items(), 1):
        threads = int(env.get("OMP_NUM_THREADS", "1"))
        began = time.perf_counter()
        table[name] = runs.run_snippets(relatives, jobs=max(1, cores // threads), variant=env)
        failed = [r for r, result in table[name].items() if isinstance(result, str)]
        print(
            f"[{number}/{len(all_variants)}] {name}: {len(relatives) - len(failed)} passed, "
            f"{len(failed)} failed ({time.perf_counter() - began:.0f} s)",
            flush=True,
        )

    print(f"\n{'snippet':60} failed under")
    failures = 0
    for relative in relatives:
        bad = [name for name in table if isinstance(table[name][relative], str)]
        failures += len(bad)
        print(
            f"{relative:60} {'-' if not bad else f'{len(bad)} of {len(table)}: ' + '; '.join(bad)}"
        )
        for name in bad[:1]:
            print("    " + "\n    ".join(table[name][relative].strip().splitlines()[-3:]))

    found = spreads({name: table[name] for name in table})
    if found:
        print(f"\n{'value a page fills in':70} {'spread across the variants'}")
        for (relative, label), values in sorted(found.items()):
            shown = values[0] if len(set(values)) == 1 else f"{min(values)} .. {max(values)}"
            print(f"{relative.removesuffix('.py') + ': ' + label:70} {shown}")
    seconds = time.perf_counter() - started
    print(
        f"\nmatrix: {len(table)} variants x {len(relatives)} snippets, {failures} failures "
        f"({seconds:.0f} s)"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "variants": all_variants,
                    "failures": {
                        relative: [n for n in table if isinstance(table[n][relative], str)]
                        for relative in relatives
                    },
                    "spreads": {
                        f"{relative}:{label}": values for (relative, label), values in found.items()
                    },
                },
                indent=1,
            )
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
