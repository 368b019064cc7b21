"""What this machine offers the grader: usable cores, GPU device nodes, its CPU model and how busy it is.

The sandbox sizes workers from these, the batch shares the cores out, and the
reference measurement records the machine it was timed on (and is not cached
when other work kept the cores busy).
"""

from __future__ import annotations

import glob
import os
import platform


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the system has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def gpu_devices() -> list[str]:
    """The device nodes a CUDA worker needs (NVIDIA's control, UVM and per-GPU nodes), where present."""
    nodes = sorted(p for p in glob.glob("/dev/nvidia*") if not os.path.isdir(p))
    return nodes + sorted(p for p in glob.glob("/dev/nvidia-caps") if os.path.isdir(p))


def gpu_model() -> str | None:
    """The first visible GPU's name, or None (torch decides what is visible: CUDA_VISIBLE_DEVICES)."""
    try:
        import torch

        return torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    except Exception:  # a broken driver must not stop a CPU grade
        return None


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo), else what the platform says."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> float | None:
    """The 1-minute load average (None where the system does not tell)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def busy(load: float | None, threads: int, device: str) -> bool:
    """True when other work held more cores than the worker's threads leave free (CPU timing only)."""
    if load is None or device != "cpu":
        return False
    return load > max(0, usable_cores() - threads) + 0.5
