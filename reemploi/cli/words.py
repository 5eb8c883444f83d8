"""Words a person types for a code: ``prêt`` or ``ready``, ``portable`` or ``laptop``.

The journal keeps codes (``ready``, ``laptop``); people read them translated ("Prêt",
"ordinateur portable") and must be able to type what they read. ``WordChoice`` is a
click parameter type that takes the code, its name in either language (through the
catalogues, so what is shown is always accepted) or a common short form a French
workshop says ("fixe", "don"), without minding case or accents, and returns the code.

What the help and the error show: the words, where people think in words (device kind,
status, destination, donor kind, role, part kind); the codes, where the code is the
name a technician reads in the docs and the standards (wipe method ``prng``, verify
``sample``, NIST SP 800-88 destination ``external-reuse``): words are still accepted.
"""

from __future__ import annotations

import unicodedata
from typing import Mapping

import click

from ..i18n import LANGUAGES, N_, _, tr
from ..inventory.describe import STATUS_NAMES


def fold(text: str) -> str:
    """Case- and accent-blind form: ``Prêt`` and ``pret`` compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


# Names shown for device kinds (the stats and probe stages' msgids).
KIND_NAMES = {"laptop": "laptop", "desktop": "desktop", "all-in-one": "all-in-one",
              "screen": "screen", "tablet": "tablet", "server": "server"}
DESTINATION_NAMES = {"given": N_("Given"), "sold": N_("Sold"), "recycled": N_("Recycled"),
                     "dismantled": N_("Dismantled")}
# The same msgids as the stats tables and the roster (one translation each).
DONOR_KIND_NAMES = {"company": N_("company"), "individual": N_("individual"),
                    "public": N_("public body"), "association": N_("association")}
ROLE_NAMES = {"technician": N_("technician"), "validator": N_("validator"),
              "trainer": N_("trainer"), "trainee": N_("trainee")}
# Where a harvested part goes (parts harvest --for; events/parts.py DESTINIES).
DESTINY_NAMES = {"stock": N_("reusable stock"), "destruction": N_("destruction"),
                 "recycling": N_("recycling")}
SERVER_ROLE_NAMES = {"coordinator": N_("coordinator"), "technician": N_("technician"),
                     "read-only": N_("read-only")}
# Short forms heard at a French reception desk, beyond the catalogue names: input only.
SYNONYMS = {
    "laptop": ("portable", "pc portable", "notebook", "netbook"),
    "desktop": ("fixe", "bureau", "tour", "unite centrale", "uc", "pc fixe"),
    "screen": ("ecran", "moniteur", "monitor"),
    "all-in-one": ("tout en un", "aio"),
    "given": ("don", "donne", "donnee", "give"),
    "sold": ("vente", "vendu", "vendue", "sell", "sale"),
    "recycled": ("recyclage", "recycle", "recyclee", "deee"),
    "dismantled": ("demantele", "demantelee", "demonte", "pieces"),
    "received": ("recu", "reception"),
    "diagnosed": ("diagnostique",),
    "wiped": ("efface",),
    "imaged": ("installe",),
    "ready": ("pret",),
    "out": ("sorti",),
    "individual": ("particulier", "personne", "person", "private"),
    "public": ("collectivite", "mairie", "administration"),
    "company": ("societe", "entreprise", "business"),
    "technician": ("technicienne", "tech"),
    "validator": ("validatrice",),
    "trainer": ("formatrice",),
    "trainee": ("eleve", "apprenti", "apprentie"),
    "coordinator": ("coordinateur", "coordinatrice"),
    "read-only": ("lecture", "lecteur", "lectrice", "readonly"),
    "ram": ("memoire", "barrette", "memory"),
    # The README's own harvest line says "--kind hdd"; what a disk is called at a bench.
    "disk": ("hdd", "ssd", "nvme", "disque dur", "hard disk", "hard drive", "drive"),
    "psu": ("alimentation", "bloc d'alimentation"),
    "zero": ("zeros", "zeroes"),
    "prng": ("aleatoire", "random", "hasard"),
    "firmware": ("micrologiciel",),
    "full": ("complete", "complet", "entiere", "tout"),
    "sample": ("echantillon", "echantillonnage", "sampling"),
    "none": ("aucune", "aucun"),
    "external-reuse": ("reemploi externe", "reemploi", "don ou vente"),
    "internal-reuse": ("reemploi interne", "interne"),
    "recycling": ("recyclage", "recycler"),
    "stock": ("en stock", "reemploi", "reutilisable"),
    "destruction": ("detruire", "broyage", "a detruire"),
    "manufacturer": ("fabricant", "constructeur"),
    "other": ("autre",),
}


class WordChoice(click.ParamType):
    """A code from ``names`` (code → msgid), typed as the code or as a word for it."""

    name = "choice"

    def __init__(self, names: Mapping[str, str], open_ended: bool = False,
                 show_codes: bool = False) -> None:
        self.names = dict(names)
        self.open_ended = open_ended     # device kinds: an unknown kind is kept as typed
        self.show_codes = show_codes     # help and errors list codes (see module doc)

    def lookup(self, value: str) -> str | None:
        wanted = fold(value)
        for code, msgid in self.names.items():
            forms = {code, msgid, *SYNONYMS.get(code, ())}
            forms |= {_(msgid, lang) for lang in LANGUAGES}
            if wanted in {fold(f) for f in forms}:
                return code
        return None

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        code = self.lookup(value)
        if code is not None:
            return code
        if self.open_ended and value.strip():
            return value.strip().lower()
        self.fail(tr("'{value}' is not one of: {choices}", value=value,
                     choices=", ".join(self.shown())), param, ctx)

    def shown(self) -> list[str]:
        if self.show_codes:
            return list(self.names)
        return [_(msgid).lower() for msgid in self.names.values()]

    def shown_default(self, code: str) -> str:
        """A default value as the help shows it: the word, unless codes are shown."""
        if self.show_codes or code not in self.names:
            return code
        return _(self.names[code]).lower()

    def get_metavar(self, param, *args, **kwargs) -> str | None:
        if getattr(param, "param_type_name", "") == "argument":
            return None          # the argument's name (STATUS → STATUT), as click does
        return "[" + "|".join(self.shown()) + "]"

    def shell_complete(self, ctx, param, incomplete):
        from click.shell_completion import CompletionItem
        return [CompletionItem(c) for c in self.names if c.startswith(incomplete)]


def statuses(codes) -> WordChoice:
    return WordChoice({c: STATUS_NAMES[c] for c in codes})
