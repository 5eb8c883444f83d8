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


def _net_tree(root):
    """A Wi-Fi netdev as the kernel lays it out: links to the PCI device, its driver, its phy."""
    dev = root / "sys/devices/pci0000:00/0000:02:00.0"
    (dev / "net/wlan0").mkdir(parents=True)
    (dev / "ieee80211/phy0").mkdir(parents=True)
    (dev / "ieee80211/phy0/name").write_text("phy0\n")
    (root / "sys/bus/pci/drivers/iwlwifi").mkdir(parents=True)
    (dev / "driver").symlink_to("../../../bus/pci/drivers/iwlwifi")
    (dev / "net/wlan0/device").symlink_to("../../../0000:02:00.0")
    (dev / "net/wlan0/phy80211").symlink_to("../../ieee80211/phy0")
    return "sys/devices/pci0000:00/0000:02:00.0/net/wlan0"


def test_link_name_reads_the_link_even_when_its_target_is_gone(tmp_path):
    base = _net_tree(tmp_path)
    s = Sysfs(tmp_path)
    assert s.link_name(f"{base}/device/driver") == "iwlwifi"
    (tmp_path / "sys/bus/pci/drivers/iwlwifi").rmdir()      # as in a git checkout
    assert s.realpath(f"{base}/device/driver") is None
    assert s.link_name(f"{base}/device/driver") == "iwlwifi"
    assert s.is_link(f"{base}/phy80211") and not s.is_link(f"{base}/nothing")
    assert s.link_name(f"{base}/nothing") is None


def test_recording_keeps_links_that_git_can_store(tmp_path):
    base = _net_tree(tmp_path / "src")
    rec = RecordingSysfs(tmp_path / "dest", root=tmp_path / "src")
    assert rec.link_name(f"{base}/device/driver") == "iwlwifi"
    assert rec.is_link(f"{base}/phy80211")
    replay = Sysfs(tmp_path / "dest")
    assert replay.link_name(f"{base}/device/driver") == "iwlwifi"
    assert replay.is_link(f"{base}/phy80211")
    # Nothing the replay needs sits in an empty directory (git would drop it).
    assert not [p for p in (tmp_path / "dest").rglob("*") if p.is_dir() and not p.is_symlink()
                and not any(p.iterdir())]


def test_sealed_recording_keeps_empty_directories_through_git(tmp_path):
    """An empty holders/ means "not held"; a recording keeps it visible but unlisted."""
    src = tmp_path / "src"
    (src / "sys/block/sda/holders").mkdir(parents=True)
    rec = RecordingSysfs(tmp_path / "dest", root=src)
    assert rec.listdir("sys/block/sda/holders") == []
    assert rec.exists("sys/block/sda")
    rec.seal()
    empty = [p for p in (tmp_path / "dest").rglob("*") if p.is_dir() and not any(p.iterdir())]
    assert empty == []
    replay = Sysfs(tmp_path / "dest")
    assert replay.exists("sys/block/sda/holders")
    assert replay.listdir("sys/block/sda/holders") == []
    assert replay.listdir("sys/block/sda") == ["holders"]
    assert replay.glob("sys/block/sda/holders/*") == []
