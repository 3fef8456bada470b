"""The machine a benchmark ran on: processor model and widest SIMD level.

NumPy and numba choose their code paths by the processor's SIMD level (AVX2 or AVX-512),
so every benchmark prints it beside its figures. Shared by the ``bench_*.py`` scripts
(run as scripts, their folder is on ``sys.path``).
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

__all__ = ["environment", "processor"]


def processor() -> tuple[str, str]:
    """The processor's model name and its widest SIMD level (from ``/proc/cpuinfo``)."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return model, "unknown (no /proc/cpuinfo)"
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and value.strip():
            model = value.strip()
        elif key.strip() == "flags":
            flags = set(value.split())
        if flags and model:
            break
    if "avx512f" in flags:
        simd = "AVX-512 (" + ", ".join(sorted(f for f in flags if f.startswith("avx512"))) + ")"
    elif "avx2" in flags:
        simd = "AVX2" + (" + FMA" if "fma" in flags else "")
    elif "avx" in flags:
        simd = "AVX"
    else:
        simd = "SSE or other (no AVX)"
    return model, simd


def environment() -> list[str]:
    """Lines naming the processor, its SIMD level and the settings that change code paths."""
    model, simd = processor()
    lines = [f"processor: {model}, {os.cpu_count()} logical cores; SIMD: {simd}"]
    for var in ("NPY_DISABLE_CPU_FEATURES", "NUMBA_CPU_NAME", "DETENTE_NO_NUMBA"):
        if os.environ.get(var):
            lines.append(f"{var}={os.environ[var]}")
    return lines
