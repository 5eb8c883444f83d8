"""Our QR codewords (documents/qr_codewords.py: data bits and Reed–Solomon error
correction) are the ``qrcode`` library's, byte for byte: for payloads of every mode
(numeric, alphanumeric, bytes, UTF-8), every error-correction level, versions 1 to 40,
and for the labels' own payloads; the symbols themselves are decoded by zxing-cpp in
tests/test_labels_qr.py and tests/test_labels_scan.py."""

from __future__ import annotations

import random
import string

import pytest
import qrcode
from qrcode import util
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

from reemploi.documents.qr import qr_matrix
from reemploi.documents.qr_codewords import codewords

LEVELS = (ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q, ERROR_CORRECT_H)


def _payloads():
    rng = random.Random(16)
    alnum = util.ALPHA_NUM.decode()
    for n in (1, 2, 3, 17, 40, 100, 300, 900, 2500):
        yield "".join(rng.choice(string.digits) for _ in range(n))
        yield "".join(rng.choice(alnum) for _ in range(n))
        yield "".join(rng.choice(string.printable) for _ in range(n))
        yield "https://atelier.example/a/REE-A-26-" + "é€" * (n // 8) + str(n)


@pytest.mark.parametrize("level", LEVELS)
def test_codewords_are_the_librarys(level):
    versions = set()
    for payload in _payloads():
        code = qrcode.QRCode(error_correction=level, border=0)
        code.add_data(payload)
        try:
            code.best_fit()
        except (qrcode.exceptions.DataOverflowError, ValueError):
            continue                              # too long for a symbol at this level
        versions.add(code.version)
        assert codewords(code.version, level, code.data_list) == \
            util.create_data(code.version, level, code.data_list), (payload[:40], level)
    assert min(versions) == 1 and max(versions) >= 30


def test_every_version_at_level_m():
    """Versions 1 to 40 at the labels' level, each with its block structure."""
    for version in range(1, 41):
        code = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_M, border=0)
        code.add_data("REE-A-26-%05d" % version)
        assert codewords(version, ERROR_CORRECT_M, code.data_list) == \
            util.create_data(version, ERROR_CORRECT_M, code.data_list), version


def test_a_label_symbol_is_the_librarys_symbol():
    """The whole matrix of a label payload, mask choice included, equals the library's
    own symbol made with the mask we chose."""
    for payload in ("REE-A-26-00042", "https://atelier.example/a/REE-A-26-00042"):
        ours = qr_matrix.__wrapped__(payload)
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
        code.add_data(payload)
        code.best_fit()
        theirs = []
        for mask in range(8):
            code.makeImpl(False, mask)
            theirs.append(tuple(tuple(bool(v) for v in row) for row in code.modules))
        assert ours.modules in theirs
