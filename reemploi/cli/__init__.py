"""Thin click commands, one module per command group; no logic lives here."""
