"""The QR code as a reportlab flowable: one square that sits in a table or a story.

Every paper with a QR code in its flow (the erasure certificate, the lot papers and
receipts, the atelier's carnet) uses this one class, so each draws the symbol the same
way (``qr.draw_qr``: vector modules, white quiet zone) and a fix reaches all of them.
Kept apart from ``qr.py`` because that module serves the label planner and the carnet's
HTML page, which must not load reportlab.
"""

from __future__ import annotations

from reportlab.platypus import Flowable

from .qr import draw_qr


class QrFlowable(Flowable):
    """``payload`` as a QR code in a ``size`` × ``size`` square (points, quiet zone included)."""

    def __init__(self, payload: str, size: float) -> None:
        super().__init__()
        self.payload, self.size = payload, size

    def wrap(self, *_):
        return self.size, self.size

    def draw(self):
        draw_qr(self.canv, self.payload, 0, 0, self.size)
