"""The live USB stick: making one (``stick``) and what runs on it at boot (``boot``).

The image itself is built by ``scripts/build-live.sh`` from ``live/`` (Debian
live-build); see docs/live-usb.md.
"""
