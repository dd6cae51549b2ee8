"""The processes kefu starts get OpenBLAS kernels that fit the CPU, even where OpenBLAS 0.3.20
(numpy 1.23, which Rasa 3.6 needs) cannot tell the CPU's model and would use its slowest ones."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bot_training.settings import child_environment, cpu_flags, openblas_core
from tests.conftest import ROOT


def test_the_kernels_follow_the_cpus_flags() -> None:
    assert openblas_core({"avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"}) == "SkylakeX"
    assert openblas_core({"avx2", "fma", "avx512f"}) == "Haswell"  # partial AVX-512: the AVX2 kernels
    assert openblas_core({"sse4_2", "avx"}) is None  # older CPUs: OpenBLAS decides


def test_flags_are_read_from_cpuinfo_and_missing_cpuinfo_means_no_choice(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 fma\n\nprocessor\t: 1\nflags\t\t: fpu sse avx2 fma\n")
    assert cpu_flags(cpuinfo) == {"fpu", "sse", "avx2", "fma"}
    assert cpu_flags(tmp_path / "absent") == set()


def test_a_core_the_user_chose_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Zen")
    assert child_environment({})["OPENBLAS_CORETYPE"] == "Zen"


@pytest.mark.slow
def test_the_rasa_environments_numpy_uses_the_named_kernels() -> None:
    if openblas_core(cpu_flags()) is None:
        pytest.skip("this CPU has no AVX2: OpenBLAS chooses alone")
    probe = "import json, numpy, threadpoolctl; print(json.dumps(threadpoolctl.threadpool_info()))"
    env = child_environment({})
    run = subprocess.run(
        [str(ROOT / ".venv-rasa/bin/python"), "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-1000:]
    blas = [lib for lib in json.loads(run.stdout) if lib["internal_api"] == "openblas"]
    assert blas and all(lib["architecture"] == env["OPENBLAS_CORETYPE"] for lib in blas)
