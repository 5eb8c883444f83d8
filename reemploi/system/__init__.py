"""The one door to the machine: external commands, /sys and /proc, block devices."""
