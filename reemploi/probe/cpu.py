"""CPU description from ``/proc/cpuinfo`` (x86 and ARM layouts), py-cpuinfo as backup.

On x86 each logical CPU is a block of ``key : value`` lines; ``physical id`` and
``core id`` identify the package and core, so physical cores are the distinct
(package, core) pairs and threads the number of blocks. Kernels built without SMP
support omit ``physical id``/``core id`` (seen on old Pentium M laptops): then every
block is one core. ``flags`` holds the CPUID feature names, where ``lm`` (long mode)
means the CPU can run 64-bit code (AMD64 / Intel 64) and ``sse2`` is the floor of
many current distributions. ARM kernels print ``Features`` and no model name; then
py-cpuinfo's description fills the gaps.
"""

from __future__ import annotations

from ..model import Cpu

# /proc/cpuinfo vendor_id -> the name people know (CPUID leaf 0 vendor strings).
VENDORS = {"GenuineIntel": "Intel", "AuthenticAMD": "AMD", "CentaurHauls": "VIA",
           "CyrixInstead": "Cyrix", "HygonGenuine": "Hygon", "  Shanghai  ": "Zhaoxin",
           "GenuineTMx86": "Transmeta", "TransmetaCPU": "Transmeta",
           "Geode by NSC": "NSC", "NexGenDriven": "NexGen", "RiseRiseRise": "Rise",
           "SiS SiS SiS ": "SiS", "UMC UMC UMC ": "UMC"}


def blocks(text: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in (text or "").splitlines():
        if not line.strip():
            if current:
                out.append(current)
                current = {}
            continue
        key, sep, value = line.partition(":")
        if sep:
            current[key.strip()] = value.strip()
    if current:
        out.append(current)
    return out


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def parse_cpuinfo(text: str, *, max_khz: int | None = None, arch: str | None = None,
                  fallback: dict | None = None) -> Cpu:
    """``/proc/cpuinfo`` text (+ cpufreq max in kHz, kernel arch, py-cpuinfo dict)."""
    procs = [b for b in blocks(text) if "processor" in b]
    first = procs[0] if procs else {}
    fallback = fallback or {}
    vendor_raw = first.get("vendor_id") or first.get("CPU implementer")
    vendor = VENDORS.get(vendor_raw or "", vendor_raw) if vendor_raw else None
    model = " ".join((first.get("model name") or first.get("Processor") or "").split()) or None
    flags = tuple((first.get("flags") or first.get("Features") or "").split())
    threads = len(procs) or None
    pairs = {(b.get("physical id"), b.get("core id")) for b in procs
             if "core id" in b}
    cores = len(pairs) if pairs else threads
    mhz = round(max_khz / 1000.0, 1) if max_khz else None
    if mhz is None:
        # No cpufreq driver (VMs, very old kernels): the reported clock is the best
        # remaining figure, and on those machines it is the nominal one.
        clocks = [c for c in (_float(b.get("cpu MHz")) for b in procs) if c]
        mhz = round(max(clocks), 1) if clocks else None
    if not model and fallback.get("brand_raw"):
        model = " ".join(str(fallback["brand_raw"]).split())
    if not vendor and fallback.get("vendor_id_raw"):
        vendor = VENDORS.get(fallback["vendor_id_raw"], fallback["vendor_id_raw"])
    if not flags and fallback.get("flags"):
        flags = tuple(fallback["flags"])
    if threads is None and fallback.get("count"):
        threads = cores = int(fallback["count"])
    if mhz is None and fallback.get("hz_advertised"):
        try:
            mhz = round(float(fallback["hz_advertised"][0]) / 1e6, 1)
        except (TypeError, ValueError, IndexError):
            pass
    return Cpu(vendor=vendor, model=model, cores=cores, threads=threads, max_mhz=mhz,
               flags=flags, arch=arch)


def needs_fallback(cpu: Cpu) -> bool:
    return not (cpu.model and cpu.flags and cpu.threads)
