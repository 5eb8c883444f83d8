from reemploi.system.sysfs import RecordingSysfs, Sysfs


def test_tolerant_reads(tmp_path):
    (tmp_path / "sys/class/power_supply/BAT0").mkdir(parents=True)
    (tmp_path / "sys/class/power_supply/BAT0/uevent").write_text("POWER_SUPPLY_NAME=BAT0\nPOWER_SUPPLY_CYCLE_COUNT=12\n")
    (tmp_path / "sys/class/power_supply/BAT0/energy_full").write_text("garbage\n")
    s = Sysfs(tmp_path)
    assert s.read_kv("sys/class/power_supply/BAT0/uevent")["POWER_SUPPLY_CYCLE_COUNT"] == "12"
    assert s.read_int("sys/class/power_supply/BAT0/energy_full") is None
    assert s.read("sys/class/power_supply/BAT1/uevent") is None
    assert s.listdir("sys/class/nothing") == []
    assert s.listdir("sys/class/power_supply") == ["BAT0"]


def test_recording_sysfs_copies_what_it_read(tmp_path):
    src = tmp_path / "src"
    (src / "sys/a").mkdir(parents=True)
    (src / "sys/a/b").write_text("42\n")
    rec = RecordingSysfs(tmp_path / "dest", root=src)
    assert rec.read_int("sys/a/b") == 42
    assert Sysfs(tmp_path / "dest").read_int("sys/a/b") == 42
