import os
import sys

import pytest

from reemploi.errors import NeedsRoot, ReplayMissing, ToolFailed, ToolMissing, ToolTimeout
from reemploi.system.runner import RealRunner, RecordRunner, ReplayRunner, recording_name


def test_real_runner_uses_c_locale_and_no_shell():
    r = RealRunner()
    out = r.run(["sh", "-c", "echo $LC_ALL; echo '$HOME'"])
    lines = out.text.splitlines()
    assert lines[0] == "C"
    assert lines[1] == "$HOME"  # argv given as is, no shell expansion on our side
    assert out.returncode == 0


def test_real_runner_typed_errors():
    r = RealRunner()
    with pytest.raises(ToolMissing) as e:
        r.run(["no-such-tool-reemploi", "--x"])
    assert "no-such-tool-reemploi" in str(e.value)
    with pytest.raises(ToolFailed) as e:
        r.run(["sh", "-c", "echo boom >&2; exit 3"])
    assert e.value.params["status"] == 3 and "boom" in e.value.params["stderr"]
    with pytest.raises(ToolTimeout):
        r.run(["sleep", "5"], timeout=0.2)
    assert r.run(["sh", "-c", "exit 4"], check=False).returncode == 4
    assert r.run(["sh", "-c", "exit 4"], ok_codes=(0, 4)).returncode == 4


_NEEDS_ROOT_CHECK = """
from reemploi.errors import NeedsRoot
from reemploi.system.runner import RealRunner
try:
    RealRunner().run(["sh", "-c", "echo 'Permission denied' >&2; exit 1"])
except NeedsRoot as exc:
    print("NeedsRoot", exc.exit_code)
"""


def test_real_runner_needs_root():
    """A tool refused for lack of root is a NeedsRoot error (exit 4), for a real user."""
    if os.geteuid() != 0:
        with pytest.raises(NeedsRoot):
            RealRunner().run(["sh", "-c", "echo 'Permission denied' >&2; exit 1"])
        return
    # As root (CI), drop to nobody for real with util-linux's setpriv.
    out = RealRunner().run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            sys.executable, "-c", _NEEDS_ROOT_CHECK],
                           check=False)
    assert out.text.split() == ["NeedsRoot", "4"], out.error_text


def test_record_then_replay_round_trip(tmp_path):
    rec = RecordRunner(tmp_path / "rec")
    first = rec.run(["sh", "-c", "echo hello; echo warn >&2; exit 2"], check=False)
    replay = ReplayRunner(tmp_path / "rec")
    again = replay.run(["sh", "-c", "echo hello; echo warn >&2; exit 2"], check=False)
    assert (again.returncode, again.stdout, again.stderr) == (2, b"hello\n", b"warn\n")
    assert first.stdout == again.stdout
    with pytest.raises(ToolFailed):
        replay.run(["sh", "-c", "echo hello; echo warn >&2; exit 2"])


def test_replay_missing_names_the_file(tmp_path):
    replay = ReplayRunner(tmp_path)
    with pytest.raises(ReplayMissing) as e:
        replay.run(["smartctl", "-x", "/dev/sda"])
    expected = tmp_path / recording_name(["smartctl", "-x", "/dev/sda"])
    assert str(expected) in str(e.value)


def test_replay_missing_tool_and_timeout(tmp_path):
    (tmp_path / "MISSING_TOOLS").write_text("lshw\n")
    name = recording_name(["dmidecode"])
    (tmp_path / name).write_text("")
    (tmp_path / (name + ".rc")).write_text("timeout\n")
    r = ReplayRunner(tmp_path)
    assert not r.has_tool("lshw") and r.has_tool("dmidecode")
    with pytest.raises(ToolMissing):
        r.run(["lshw", "-json"])
    with pytest.raises(ToolTimeout):
        r.run(["dmidecode"])


def test_real_runner_tools_run_in_their_own_session():
    """Ctrl-C at the terminal goes to our process group, never straight to hdparm/nvme."""
    out = RealRunner().run(["python3", "-c", "import os; print(os.getsid(0), os.getpid())"]).text
    sid, pid = (int(x) for x in out.split())
    assert sid == pid and sid != os.getsid(0)


def test_replay_answers_a_changing_command_call_by_call(tmp_path):
    """``NAME~k`` answers the k-th call on (hdparm -I before and after a firmware command)."""
    from reemploi.system.runner import ReplayRunner, recording_name
    name = recording_name(("hdparm", "-I", "/dev/sda"))
    (tmp_path / name).write_text("first")
    (tmp_path / f"{name}~3").write_text("third on")
    runner = ReplayRunner(tmp_path)
    got = [runner.run(("hdparm", "-I", "/dev/sda")).text for _ in range(4)]
    assert got == ["first", "first", "third on", "third on"]


def test_a_stop_ends_a_running_tool_and_its_session():
    """``stop`` asked while a tool runs (a post-install e2fsck of minutes after a
    Ctrl-C): the tool's whole session ends within a poll, the stop goes on."""
    import os
    import signal
    import time
    from reemploi.system.runner import RealRunner
    from reemploi.system.signals import Stopped
    began = time.monotonic()

    def stop():
        if time.monotonic() - began > 0.3:
            raise Stopped(signal.SIGINT)
    argv = ("sh", "-c", "sleep 31.25 & echo $!; wait")   # a child of the tool too
    with pytest.raises(Stopped):
        RealRunner().run(argv, timeout=60, stop=stop)
    assert time.monotonic() - began < 5
    # The tool's session is gone: no process of ours still sleeps.
    time.sleep(0.1)
    def cmdline(pid: str) -> bytes:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                return fh.read()
        except OSError:
            return b""
    assert not [p for p in os.listdir("/proc")
                if p.isdigit() and cmdline(p).startswith(b"sleep\x0031.25")]


def test_a_tool_asked_to_stop_that_never_does_still_answers():
    from reemploi.system.runner import RealRunner
    calls = []
    res = RealRunner().run(("sh", "-c", "echo hi; sleep 0.2; echo there >&2"), timeout=10,
                           stop=lambda: calls.append(1))
    assert res.stdout == b"hi\n" and res.stderr == b"there\n" and calls
