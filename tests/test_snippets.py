"""Every snippet runs as a reader would run it (`python FILE`, a fresh process, offline, confined)
and prints exactly what the build's run of it printed: two runs, in two kinds of process, that
must agree. Its sections (or notebook cells) are well formed."""

from __future__ import annotations

import platform

import pytest
from checks import build_output, run_as_reader, run_problems
from conftest import SNIPPETS
from rules import layout_problems

ALL = sorted(SNIPPETS.rglob("*.py"))
IDS = [path.relative_to(SNIPPETS).as_posix() for path in ALL]


def test_there_are_snippets():
    assert ALL, "no snippet files found under snippets/"


@pytest.mark.parametrize("snippet", ALL, ids=IDS)
def test_snippet_runs_as_a_reader_runs_it_and_prints_what_the_build_printed(snippet, build_results):
    expected = build_output(build_results[snippet.relative_to(SNIPPETS).as_posix()])
    problems = run_problems(snippet, expected, timeout=60)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("snippet", ALL, ids=IDS)
def test_snippet_sections_are_well_formed(snippet):
    problems = layout_problems(snippet)
    assert not problems, "\n".join(problems)


def test_snippets_use_the_same_vector_instructions_on_every_x86_machine(tmp_path):
    """On an AVX-512 CPU, PyTorch would pick other kernels than on an AVX2 one, round differently,
    and a long training run would print other numbers than the page states. The build, the reader
    run and the notebook kernel all cap it at AVX2 (hooks/snippets.py, SNIPPET_ENV); this runs a
    probe the way the tests run a snippet and reads which kernels PyTorch chose."""
    probe = tmp_path / "probe.py"
    probe.write_text("import torch\nprint(torch.backends.cpu.get_cpu_capability())\n")
    done = run_as_reader(probe)
    assert done.returncode == 0, done.stderr
    capability = done.stdout.strip()
    assert "AVX512" not in capability, f"snippets ran with {capability} kernels, not AVX2"
    if platform.machine() in ("x86_64", "AMD64"):
        assert capability == "AVX2", capability
