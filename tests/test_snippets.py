"""Every snippet runs as a reader would run it (`python FILE`, a fresh process, offline, confined),
on another machine path than the build's (hooks/variants.py: other kernels), and its asserts hold
there too: it prints what the build's run printed, numbers aside (a measured value may differ in
its last digits). Its sections (or notebook cells) are well formed."""

from __future__ import annotations

import platform

import pytest
from checks import build_output, run_as_reader, run_problems
from conftest import SNIPPETS
from rules import layout_problems
from variants import aten_levels, second

ALL = sorted(SNIPPETS.rglob("*.py"))
IDS = [path.relative_to(SNIPPETS).as_posix() for path in ALL]


def test_there_are_snippets():
    assert ALL, "no snippet files found under snippets/"


@pytest.mark.parametrize("snippet", ALL, ids=IDS)
def test_snippet_runs_as_a_reader_on_another_machine_path_and_its_asserts_hold(
    snippet, build_results
):
    expected = build_output(build_results[snippet.relative_to(SNIPPETS).as_posix()])
    problems = run_problems(snippet, expected, timeout=60, variant=second())
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("snippet", ALL, ids=IDS)
def test_snippet_sections_are_well_formed(snippet):
    problems = layout_problems(snippet)
    assert not problems, "\n".join(problems)


def test_the_reader_run_takes_another_machine_path_than_the_build(tmp_path):
    """The build runs the CPU's own kernels, as a reader's `python FILE` does; the tests' plain
    run asks for the level below (AVX2 on an AVX-512 CPU, no SIMD on an AVX2 one), so that every
    `make test` runs each snippet's asserts on two kernel paths. This reads which kernels
    PyTorch chose in each."""
    probe = tmp_path / "probe.py"
    probe.write_text("import torch\nprint(torch.backends.cpu.get_cpu_capability())\n")
    native = run_as_reader(probe)
    other = run_as_reader(probe, variant=second())
    assert native.returncode == 0 and other.returncode == 0, native.stderr + other.stderr
    levels = aten_levels()
    if platform.machine() in ("x86_64", "AMD64") and levels:
        assert native.stdout.strip().lower() == levels[-1], native.stdout
        assert other.stdout.strip().lower() == levels[-2], other.stdout
    assert native.stdout != other.stdout or not levels
