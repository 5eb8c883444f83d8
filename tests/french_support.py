"""What 'French output' means in the walks (tests/test_paperwork_e2e.py, the stations
walk and the central walk): no English word, no catalogue entry left in its English form.
"""

from __future__ import annotations

import re

# Words that must not show in French output (whole words, case-sensitive where a French
# word shares the spelling: "Model" vs "Modèle"). Checked on stdout, stderr and PDF text.
ENGLISH = ("Error", "Missing", "Usage", "Try", "laptop", "desktop", "disk", "given", "sold",
           "recycled", "dismantled", "success", "failed", "interrupted", "virtual",
           "overwrite", "Ready", "Received", "Operator", "Serial", "Station", "wiped",
           "Wrote", "unclassified", "clear", "purge", "GB", "MB", "WARNING", "INFO",
           "Traceback", "weak", "needs root", "Aborted", "None", "null", "Certificate",
           "Donor", "Issued", "Price", "Sales", "revenue")
# More words the station, atelier, stick, server and sync commands could leak.
ENGLISH_MORE = ("ETA", "pass", "verify", "writing", "verifying", "Permission denied",
                "not a machine", "station", "pending", "active", "revoked", "line",
                "missing", "unknown", "the", "is", "not", "and", "of")
# French words that must not show in English output.
FRENCH = ("Prêt", "Sorti", "Reçu", "effacé", "donné", "vendu", "Numéro", "Opérateur",
          "Écrit", "Erreur", "ordinateur", "disque", "Poste", "Validée", "Donateur",
          "Devenir", "Recettes", "Garantie", "réemploi", "atelier", "Premiers pas", "Ton")


def leaks(texts: list[str], words, allowed=()) -> list[str]:
    """Each whole-word occurrence of ``words`` in ``texts`` (``allowed`` cut out first)."""
    found = []
    for text in texts:
        for keep in allowed:
            text = text.replace(keep, "")
        for word in words:
            for m in re.finditer(rf"(?<![\w/.-]){re.escape(word)}(?![\w-])", text):
                line = text[text.rfind("\n", 0, m.start()) + 1:text.find("\n", m.end())]
                found.append(f"{word!r} in: {line.strip()}")
    return found


def untranslated(texts: list[str]) -> list[str]:
    """French catalogue entries (of three words or more, no placeholder) that show in
    their English msgid form in French output."""
    from reemploi import i18n
    blob = "\n".join(" ".join(t.split()) for t in texts)
    return sorted(msgid for msgid, msgstr in i18n.catalog("fr").items()
                  if msgid != msgstr and "{" not in msgid and len(msgid.split()) >= 3
                  and msgid in blob)
