"""The words of an erasure certificate (categories, techniques, results, caveats),
shared by the PDF (documents/certificate.py), the wipe plan and the wipe command.

Apart from the PDF so that printing them does not import reportlab; in the wipe stage,
whose codes they name, so that the wipe never imports the documents (which import the
wipe's certificates and signing: tests/test_architecture.py).
"""

from __future__ import annotations

from ..i18n import N_, tr
from ..vocabulary import MEDIA_WORDS

CATEGORY = {"clear": N_("Clear"), "purge": N_("Purge"), "destroy": N_("Destroy"),
            "mixed": N_("Clear and Purge (see each disk)")}
DESTINATION = {"external-reuse": N_("External reuse (donation or sale)"),
               "internal-reuse": N_("Internal reuse"), "recycling": N_("Recycling facility"),
               "manufacturer": N_("Returned to the manufacturer"), "other": N_("Other")}
TECHNIQUE = {
    "overwrite": N_("Overwrite (logical addresses), then read-back verification"),
    "ata-sanitize-crypto-scramble": N_("ATA SANITIZE, CRYPTO SCRAMBLE (cryptographic erase)"),
    "ata-sanitize-block-erase": N_("ATA SANITIZE, BLOCK ERASE"),
    "ata-security-erase-enhanced": N_("ATA ENHANCED SECURITY ERASE UNIT"),
    "ata-security-erase": N_("ATA SECURITY ERASE UNIT"),
    "nvme-sanitize-crypto-erase": N_("NVMe Sanitize, crypto erase"),
    "nvme-sanitize-block-erase": N_("NVMe Sanitize, block erase"),
    "nvme-format-crypto-erase": N_("NVMe Format, cryptographic erase (SES=2)"),
    "nvme-format-user-data-erase": N_("NVMe Format, user data erase (SES=1)"),
}
RESULT = {"success": N_("success"), "failed": N_("failed"), "interrupted": N_("interrupted"),
          "not-wiped": N_("not wiped"),
          # A wipe.started that no wipe.done names (power cut, SIGKILL mid-wipe).
          "unfinished": N_("interrupted, no end recorded (power cut?)"),
          "passed": N_("passed"), "not-done": N_("not done"), "none": N_("none"),
          # Firmware erase of a drive whose every sampled area was blank before: the
          # read-back had nothing to compare, so it proves nothing (never "passed").
          "inconclusive": N_("inconclusive: every sampled area was already blank before "
                             "the erase, so the read-back could not show it worked")}
CAVEAT = {
    "one-pass-enough": N_("Several passes were written on request; NIST SP 800-88 r1 considers one pass enough for Clear."),
    "clear-not-purge": N_("Flash memory overwritten without a firmware erase: Clear, not Purge (spare blocks are not reached)."),
    "wear-levelling": N_("Wear levelling: the controller may keep old copies in blocks the computer cannot address."),
    "hpa-present": N_("A Host Protected Area hides sectors that were NOT erased."),
    "dco-present": N_("A Device Configuration Overlay hides sectors that were NOT erased."),
    "hpa-removed": N_("The hidden area (HPA/DCO) was removed before erasing."),
    "format-ses1": N_("NVMe user-data erase: its depth is vendor-defined."),
    "security-frozen-sanitize-used": N_("Security frozen by the BIOS; the SANITIZE command was used instead."),
}


MEDIA = MEDIA_WORDS        # the same words as on every screen
# NIST SP 800-88 r1 App. G "post-sanitization classification": donated computers held
# no classified information; the code stays in the JSON, the words are made here.
CLASSIFICATION = {"unclassified": N_("unclassified (no classified information)")}
VERIFY = {"full": N_("full read-back"), "sample": N_("NIST sampled read-back (at least 10 %)"),
          "none": N_("no read-back"),
          "sample-changed": N_("NIST sample, compared before and after the firmware erase")}


def label(text: str | None, lang: str) -> str:
    return tr(text, lang) if text else "-"


# A wipe record's errors are kept in English in the journal and the signed certificate
# (wipe/run.py: the evidence is never rewritten); these are the fixed ones, said in the
# reader's words wherever they are shown. A device's own message stays as it came.
ERRORS = {"stopped": N_("stopped"), "interrupted": N_("interrupted"), "failed": N_("failed"),
          "verification interrupted": N_("verification interrupted"),
          "stopped while the drive was sanitizing": N_("stopped while the drive was sanitizing")}
_MISMATCH = N_("verification: {n} mismatching sectors, first at {offset}")


def error_text(error: str, lang: str) -> str:
    """One recorded wipe error in the reader's words when it is one we write."""
    if error in ERRORS:
        return tr(ERRORS[error], lang)
    if error.startswith("stopped by "):
        return tr("stopped by {what}", lang, what=error[len("stopped by "):])
    head, sep, tail = error.partition(" mismatching sectors, first at ")
    if sep and head.startswith("verification: ") and head[len("verification: "):].isdigit():
        return tr(_MISMATCH, lang, n=head[len("verification: "):], offset=tail)
    return error
