"""The live probe: runs the tools, reads /sys and /proc, fills a ``Machine``.

The collector is the only probe module that touches the machine, always through
``ctx.runner`` (commands), ``ctx.sysfs`` (/sys, /proc) and a ``facts`` provider
(psutil, py-cpuinfo, uid: see ``pyfacts``), so the same code replays a recorded
machine folder offline. Parsing is left to the pure parsers (``smartctl``,
``dmidecode``, ``edid``, ``battery``, ``cpu``, ``pci``, ``devices``).

Each section is tolerant (house rule 4): a tool that is missing, needs root, times
out, fails or prints garbage gives a ``Missing(field, reason, detail)`` entry and
unknown values, never a crashed probe. Only ``ReplayMissing`` goes through: a replay
folder that lacks a recording is a broken fixture, and the error names the file.

Root matters for three things: dmidecode (serials, UUID, RAM modules), SMART (opening
/dev/sdX) and the root-only files of /sys/class/dmi/id. Without root the probe still
runs and lists those fields as ``needs-root``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
TYPE_CHECKING = False   # as typing.TYPE_CHECKING, without importing typing (issue 16)

if TYPE_CHECKING:
    from typing import Callable
    Progress = Callable[[str], None]     # told each section's name as it starts

from .. import __version__
from ..bounded import check_numbers
from ..errors import (BadInput, NeedsRoot, ReemploiError, ReplayMissing, ToolFailed,
                      ToolMissing, ToolTimeout)
from ..model import (Battery, Cpu, Device, Disk, Gpu, Machine, Memory, Missing,
                     Screen, Smart, SystemInfo)
from ..system import blockdev, owndisks
from ..system.early import DMIDECODE_ARGV, LSPCI_ARGV
from . import cpu as cpu_mod
from . import devices, firmware, pci
from .battery import parse_uevent
from .dmidecode import DmiInfo, clean, parse_dmidecode
from .edid import parse_edid
from .pyfacts import LiveFacts
from .smartargs import NO_SMART, smartctl_argv  # noqa: F401  (re-exported)
from ..lazylog import getLogger

log = getLogger(__name__)



class Reason(str, enum.Enum):
    """Why a field is missing (``Missing.reason``)."""
    NEEDS_ROOT = "needs-root"
    TOOL_MISSING = "tool-missing"
    TIMEOUT = "timeout"
    TOOL_FAILED = "tool-failed"
    BAD_OUTPUT = "bad-output"
    NOT_SUPPORTED = "not-supported"
    ERROR = "error"


# Sections in the order they run; the names are the ``progress`` callback's argument.
SECTIONS = ("system", "cpu", "memory", "disks", "gpus", "network", "batteries",
            "screens", "peripherals")

@dataclass
class _Probe:
    """One probe's state: the context, facts, prefetched tools and missing fields."""
    ctx: object
    facts: object
    smart: bool
    progress: Progress | None
    missing: list[Missing] = field(default_factory=list)
    pool: object | None = None              # a ThreadPoolExecutor, made when first needed
    pending: dict = field(default_factory=dict)

    # ------------------------------------------------------------ helpers
    def prefetch(self, argv: tuple[str, ...], **kw) -> None:
        """Start ``argv`` now in a worker thread; ``run`` collects it later.

        The tools are independent and mostly wait (lspci loads pci.ids, smartctl waits
        for the drive), so running them side by side cuts the probe's wall time.
        Results are consumed in a fixed order, so ``missing`` stays deterministic.
        A tool already started before the imports (entry.py, system/early.py) needs no thread:
        ``run`` collects it. The pool is made at the first tool that does (issue 16:
        importing concurrent.futures and starting threads for nothing cost a live
        probe ~2 ms where every tool had started early).
        """
        if argv in self.pending or self.ctx.runner.running(argv):
            return
        if self.pool is None:
            from concurrent.futures import ThreadPoolExecutor
            self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="probe")
        self.pending[argv] = self.pool.submit(self.ctx.runner.run, argv, **kw)

    def run(self, argv: tuple[str, ...], **kw):
        future = self.pending.pop(argv, None)
        if future is not None:
            return future.result()
        return self.ctx.runner.run(argv, **kw)

    def miss(self, field_name: str, reason: Reason, detail: str = "") -> None:
        entry = Missing(field_name, reason.value, detail)
        if entry not in self.missing:
            self.missing.append(entry)

    def guarded(self, field_name: str, fn, *args, default=None, **kw):
        """Run ``fn``; a typed failure becomes a ``Missing`` entry and ``default``."""
        try:
            # Absurd numbers in a tool's output (a damaged or forged recording) are
            # bad output, not a crash of the grading that follows.
            return check_numbers(fn(*args, **kw), field_name)
        except ReplayMissing:
            raise
        except ToolMissing as exc:
            self.miss(field_name, Reason.TOOL_MISSING, str(exc.params.get("tool", "")))
        except NeedsRoot as exc:
            self.miss(field_name, Reason.NEEDS_ROOT, str(exc.params.get("what", "")))
        except ToolTimeout as exc:
            self.miss(field_name, Reason.TIMEOUT, str(exc.params.get("cmd", "")))
        except ToolFailed as exc:
            self.miss(field_name, Reason.TOOL_FAILED, str(exc.params.get("cmd", "")))
        except BadInput as exc:
            self.miss(field_name, Reason.BAD_OUTPUT, exc.render())
        except ReemploiError as exc:
            self.miss(field_name, Reason.ERROR, exc.render())
        except Exception as exc:  # a parser bug must not cost the whole probe
            log.warning("probe section %s failed: %r", field_name, exc, exc_info=True)
            self.miss(field_name, Reason.ERROR, repr(exc))
        return default

    def step(self, name: str) -> None:
        if self.progress:
            self.progress(name)

    @property
    def root(self) -> bool:
        return self.facts.euid() == 0

    # ------------------------------------------------------------ sections
    def dmi(self) -> DmiInfo | None:
        if not self.root:
            for name in ("system.serial", "system.uuid", "memory.modules"):
                self.miss(name, Reason.NEEDS_ROOT, "dmidecode")
            return None

        def run() -> DmiInfo:
            result = self.run(DMIDECODE_ARGV, timeout=30, needs_root=True)
            return parse_dmidecode(result.stdout)
        return self.guarded("dmidecode", run)

    def system(self, dmi: DmiInfo | None) -> SystemInfo:
        sysfs = self.ctx.sysfs
        from_sys = firmware.system_from_sysfs(sysfs)
        info = dmi.system if dmi else from_sys
        if dmi:
            # Fill what the SMBIOS tables left blank from the kernel's copy.
            info = replace(info, **{k: getattr(from_sys, k) for k in
                                    ("vendor", "product", "version", "board_vendor",
                                     "board_product", "bios_vendor", "bios_version",
                                     "bios_date") if getattr(info, k) is None
                                    and getattr(from_sys, k) is not None})
            if info.chassis_raw is None and from_sys.chassis_raw:
                info = replace(info, chassis=from_sys.chassis, chassis_raw=from_sys.chassis_raw)
        mode = firmware.boot_mode(sysfs)
        secure = None
        if mode == "uefi":
            secure = firmware.secure_boot_from_efivar(sysfs)
            if secure is None:
                secure = self.guarded("system.secure_boot", self._mokutil)
        if info.vendor is None and info.product is None:
            self.miss("system.identity", Reason.NOT_SUPPORTED, "no SMBIOS/DMI data")
        return replace(info, boot_mode=mode, secure_boot=secure)

    def _mokutil(self) -> bool | None:
        # mokutil exits 1 on "EFI variables are not supported on this system".
        result = self.ctx.runner.run(("mokutil", "--sb-state"), timeout=15, check=False)
        return firmware.parse_mokutil(result.text + "\n" + result.error_text)

    def cpu(self, dmi: DmiInfo | None) -> Cpu:
        sysfs = self.ctx.sysfs
        text = sysfs.read("proc/cpuinfo") or ""
        max_khz = sysfs.read_int("sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq")
        arch = self.facts.machine()
        result = cpu_mod.parse_cpuinfo(text, max_khz=max_khz, arch=arch)
        if cpu_mod.needs_fallback(result):
            result = cpu_mod.parse_cpuinfo(text, max_khz=max_khz, arch=arch,
                                           fallback=self.facts.cpuinfo())
        if not result.model and dmi and dmi.processor:
            result = replace(result, model=dmi.processor)
        if not result.flags:
            self.miss("cpu.flags", Reason.NOT_SUPPORTED, "/proc/cpuinfo")
        return result

    def memory(self, dmi: DmiInfo | None) -> Memory:
        total = self.facts.memory_total()
        if total is None:
            kv = _meminfo_kib(self.ctx.sysfs.read("proc/meminfo") or "")
            total = kv * 1024 if kv else None
        total_mb = round(total / (1 << 20)) if total else None
        if dmi:
            return replace(dmi.memory, total_mb=total_mb)
        return Memory(total_mb=total_mb)

    def disks(self) -> tuple[tuple[Disk, ...], tuple[Device, ...]]:
        tree = self.guarded("disks", blockdev.lsblk_tree, self.ctx, run=self.run, default=None)
        if tree is None:
            return (), devices.optical_from_proc(self.ctx.sysfs)
        # Only the machine's own disks: never the stick we booted from, its persistence
        # partition, the live squashfs loop, a floppy or a DVD drive (issue 13: a VM's
        # certificate listed fd0, loop0 and the stick, and so said "failed").
        disks = owndisks.own_disks(self.ctx, tree, program=self.facts.program_paths())
        optical = devices.optical_from_nodes(tree) or devices.optical_from_proc(self.ctx.sysfs)
        if not self.smart:
            return disks, optical
        if self.root:
            for disk in disks:
                if disk.media not in NO_SMART:
                    self.prefetch(smartctl_argv(disk), timeout=90, check=False)
        out = []
        for disk in disks:
            if disk.media in NO_SMART:
                out.append(disk)
                continue
            if not self.root:
                self.miss(f"disk:{disk.name}.smart", Reason.NEEDS_ROOT, "smartctl")
                out.append(disk)
                continue
            smart = self.guarded(f"disk:{disk.name}.smart", self._smart, disk)
            if smart is not None:
                # Some bridges and cheap SSDs report "--" or zeros (Latitude D600's PH120).
                disk = replace(disk, smart=smart, model=disk.model or smart.model,
                               serial=clean(disk.serial) or clean(smart.serial))
            out.append(disk)
        return tuple(out), optical

    def _smart(self, disk: Disk) -> Smart:
        # The exit status is a bit mask (smartctl(8) EXIT STATUS): never "failed".
        result = self.run(smartctl_argv(disk), timeout=90, check=False)
        if not result.stdout.lstrip().startswith(b"{"):
            # smartctl < 7 has no --json ("UNRECOGNIZED OPTION: json", exit 1).
            result = self.ctx.runner.run(smartctl_argv(disk, json=False), timeout=90,
                                         check=False)
        # Imported here: a machine without a SMART disk (a VM, a stick-only station)
        # never needs the smartctl parsers (issue 16).
        from .smartctl import parse_smartctl
        return parse_smartctl(result.stdout, exit_status=result.returncode)

    def gpus(self) -> tuple[Gpu, ...]:
        def run() -> tuple[Gpu, ...]:
            result = self.run(LSPCI_ARGV, timeout=30)
            return pci.parse_lspci_gpus(result.text)
        found = self.guarded("gpus.names", run)
        if found is None:
            return pci.gpus_from_sysfs(self.ctx.sysfs)
        return found

    def batteries(self) -> tuple[Battery, ...]:
        out = []
        for name in self.ctx.sysfs.listdir("sys/class/power_supply"):
            rel = f"sys/class/power_supply/{name}/uevent"
            text = self.ctx.sysfs.read(rel)
            if not text:
                continue
            kv = self.ctx.sysfs.read_kv(rel)
            # Older kernels leave POWER_SUPPLY_TYPE out of uevent (corpus
            # battery/ereuse-wb e5530): then the ``type`` file, then the BATn name.
            kind = kv.get("POWER_SUPPLY_TYPE") or self.ctx.sysfs.read(
                f"sys/class/power_supply/{name}/type") or ("Battery" if name.startswith("BAT") else "")
            # Mice and headsets report SCOPE=Device: not the machine's battery.
            if kind != "Battery" or kv.get("POWER_SUPPLY_SCOPE") == "Device":
                continue
            battery = self.guarded(f"battery:{name}", parse_uevent, text)
            if battery is not None:
                out.append(battery if battery.name else replace(battery, name=name))
        return tuple(out)

    def screens(self) -> tuple[Screen, ...]:
        out = []
        for name in self.ctx.sysfs.listdir("sys/class/drm"):
            if "-" not in name:
                continue
            data = self.ctx.sysfs.read_bytes(f"sys/class/drm/{name}/edid")
            if not data:
                continue  # nothing connected on that output
            connector = name.split("-", 1)[1]
            screen = self.guarded(f"screen:{connector}", parse_edid, data)
            if screen is not None:
                out.append(replace(screen, connector=connector))
        return tuple(out)


def _meminfo_kib(text: str) -> int | None:
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            try:
                return int(line.split()[1])
            except (IndexError, ValueError):
                return None
    return None


def probe_machine(ctx, *, smart: bool = True, progress: Progress | None = None,
                  facts=None) -> Machine:
    """Probe the machine behind ``ctx`` (live, recording or replayed)."""
    p = _Probe(ctx, facts or LiveFacts(), smart, progress)
    try:
        if p.root:
            p.prefetch(DMIDECODE_ARGV, timeout=30, needs_root=True)
        p.prefetch(LSPCI_ARGV, timeout=30)
        p.prefetch(blockdev.LSBLK_ARGV, timeout=30)
        machine = _collect(p, ctx)
        for future in p.pending.values():   # started but not needed: let them finish
            future.cancel()
        return machine
    finally:
        if p.pool is not None:
            p.pool.shutdown(wait=True)


def _collect(p: _Probe, ctx) -> Machine:
    p.step("system")
    dmi = p.dmi()
    system = p.guarded("system", p.system, dmi, default=SystemInfo())
    p.step("cpu")
    cpu = p.guarded("cpu", p.cpu, dmi, default=Cpu())
    p.step("memory")
    memory = p.guarded("memory", p.memory, dmi, default=Memory())
    p.step("disks")
    disks, optical = p.guarded("disks", p.disks, default=((), ()))
    p.step("gpus")
    gpus = p.guarded("gpus", p.gpus, default=())
    p.step("network")
    network = p.guarded("network", devices.network, ctx.sysfs, default=())
    p.step("batteries")
    batteries = p.guarded("batteries", p.batteries, default=())
    p.step("screens")
    screens = p.guarded("screens", p.screens, default=())
    p.step("peripherals")
    webcams = p.guarded("webcams", devices.webcams, ctx.sysfs, default=())
    sound = p.guarded("sound", devices.sound, ctx.sysfs, default=())
    return Machine(probed_at=p.facts.now(), tool_version=__version__, system=system,
                   cpu=cpu, memory=memory, disks=disks, gpus=gpus, network=network,
                   batteries=batteries, screens=screens, webcams=webcams,
                   optical=optical, sound=sound, missing=tuple(p.missing), root=p.root)
