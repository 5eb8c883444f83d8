"""Battery parsers: sysfs uevent and upower output (including a fr_FR decimal-comma file)."""

from __future__ import annotations

import pytest

from conftest import corpus_file
from reemploi.errors import BadInput
from reemploi.probe.battery import parse_battery, parse_uevent, parse_upower


def read(name: str) -> str:
    return corpus_file("battery/" + name).read_text()


def test_uevent_charge_in_uah_times_design_voltage():
    b = parse_uevent(read("ereuse-wb__tests__fixtures__e5530.battery.ini"))
    # CHARGE_FULL_DESIGN=5600000 µAh x VOLTAGE_MIN_DESIGN=11100000 µV = 62.16 Wh
    assert b.design_wh == 62.16
    assert b.full_wh == 22.17                 # CHARGE_FULL=1997000 µAh -> 22.1667 Wh
    assert b.wear_pct == 64.3 and b.health_pct == 35.7   # manifest: "charge_full 36% of design"
    assert (b.name, b.technology, b.model, b.cycle_count, b.status) == (
        "BAT0", "Li-ion", "DELL HMYXT37", 0, "Discharging")


def test_uevent_energy_in_uwh():
    b = parse_uevent("POWER_SUPPLY_NAME=BAT1\nPOWER_SUPPLY_ENERGY_FULL_DESIGN=57000000\n"
                     "POWER_SUPPLY_ENERGY_FULL=45600000\nPOWER_SUPPLY_CYCLE_COUNT=312\n")
    assert (b.design_wh, b.full_wh, b.cycle_count, b.wear_pct) == (57.0, 45.6, 312, 20.0)


def test_upower_french_decimal_comma():
    (b,) = parse_upower(read("glpi-agent__resources__generic__batteries__upower__infos_1.txt"))
    # "energy-full: 39,264 Wh", "energy-full-design: 51,504 Wh", "capacity: 76,2349%"
    assert (b.full_wh, b.design_wh) == (39.264, 51.504)
    assert b.wear_pct == 23.8 and b.serial is None           # "serial: 0" is a placeholder
    assert (b.name, b.model, b.technology, b.status) == ("BAT1", "G71C000G7210", "lithium-ion", "fully-charged")


def test_upower_system_battery_and_peripheral():
    (b,) = parse_upower(read("glpi-agent__resources__generic__batteries__upower__infos_4.1.txt"))
    assert (b.design_wh, b.full_wh, b.now_wh, b.cycle_count) == (54.0, 54.0, 24.645, None)  # "charge-cycles: N/A"
    # a Logitech mouse ("power supply: no") is not the machine's battery
    assert parse_upower(read("glpi-agent__resources__generic__batteries__upower__infos_4.2.txt")) == ()


def test_upower_enumerate_has_no_battery_data():
    assert parse_battery(read("glpi-agent__resources__generic__batteries__upower__enumerate_1.txt")) == ()


def test_upower_dump_with_several_devices():
    one = read("glpi-agent__resources__generic__batteries__upower__infos_4.1.txt")
    two = read("glpi-agent__resources__generic__batteries__upower__infos_4.2.txt")
    dump = "Device: /org/freedesktop/UPower/devices/battery_BAT0\n" + one + \
           "\n\nDevice: /org/freedesktop/UPower/devices/keyboard_0\n" + two
    assert [b.name for b in parse_upower(dump)] == ["BAT0"]


@pytest.mark.parametrize("text", ["", "hello", "a=b\nc=d\n", b"\x00\x01\x02"])
def test_not_battery(text):
    with pytest.raises(BadInput):
        parse_battery(text)
