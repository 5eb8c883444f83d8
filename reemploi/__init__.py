"""reemploi: probe, grade, wipe, image, label and report on donated computers."""

__version__ = "0.1.0"
