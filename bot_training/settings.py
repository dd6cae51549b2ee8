"""The environment of the processes that run Rasa (training, evaluation, the server): ours, offline,
with OpenBLAS kernels that suit this CPU. The one module here that reads the environment."""

from pathlib import Path


def openblas_core(cpu_flags: set[str]) -> str | None:
    """The OpenBLAS kernels for a CPU with these flags, or None to let OpenBLAS choose.

    Why: Rasa 3.6 needs numpy 1.23, whose OpenBLAS (0.3.20) picks kernels by the CPU's model
    number. On a virtual machine that hides it, it falls back to its oldest (Prescott) kernels
    and the Rasa server's sentence encoder runs about 1.7x slower (BENCHMARKS.md, issue #7)."""
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"} <= cpu_flags:
        return "SkylakeX"
    if {"avx2", "fma"} <= cpu_flags:
        return "Haswell"
    return None


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    try:
        text = cpuinfo.read_text()
    except OSError:  # not Linux: OpenBLAS detects on its own
        return set()
    return {flag for line in text.splitlines() if line.startswith("flags") for flag in line.split(":", 1)[1].split()}


def child_environment(extra: dict[str, str]) -> dict[str, str]:
    """The environment for a process the demo starts: ours, offline, plus `extra`."""
    import os

    env = dict(os.environ)
    core = openblas_core(cpu_flags())
    if core is not None:
        env.setdefault("OPENBLAS_CORETYPE", core)  # one set by the user wins
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "OMP_NUM_THREADS": "1",
            "PYTHONUNBUFFERED": "1",
            "RASA_CACHE_DIRECTORY": "var/rasa-cache",
        }
    )
    env.update(extra)
    return env
