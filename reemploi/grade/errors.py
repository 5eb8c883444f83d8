"""Errors in a grading rules file: typed, exit code 7 (BAD_INPUT), nothing graded.

A workshop edits its own ``grading.toml`` by hand, so a mistake there must be
reported like any other bad input: which file, which key, what is wrong, in the
reader's language. Each class carries its msgid; words inside the parameters that
are ours (the expected type, the TOML parser's most common complaints) are
translated at render time too, so a French reader gets a French sentence.
"""

from __future__ import annotations

import json

from ..errors import BadInput
from ..i18n import N_

# What a key must be, in words (``RulesWrongType.expected``).
EXPECTED = {
    "bool": N_("true or false"),
    "int": N_("a whole number"),
    "number": N_("a number"),
    "str": N_("a text in quotes"),
    "nonempty-str": N_("a non-empty text in quotes"),
    "list": N_("a list [ ... ]"),
    "table": N_("a table [section]"),
    "tables": N_("a list of [[emmabuntus]] tables"),
}

# tomllib's commonest complaints (Python 3.11 ``tomllib/_parser.py``), translated;
# anything else is shown as tomllib words it.
TOML_DETAIL = {
    "Invalid value": N_("invalid value"),
    "Invalid statement": N_("invalid line"),
    "Expected '=' after a key in a key/value pair": N_("'=' expected after the key"),
    "Unclosed array": N_("list not closed with ']'"),
    "Unclosed inline table": N_("inline table not closed"),
    "Unterminated string": N_("text not closed with its quote"),
    "Expected ']' at the end of a table declaration": N_("']' expected at the end of the [section] line"),
    "Expected newline or end of document after a statement":
        N_("one key = value per line: something follows the value"),
    "Invalid initial character for a key part": N_("a key cannot start with this character"),
}


def toml_value(value: object) -> str:
    """A value as it is written in TOML (``"twenty"``, ``[1, "2"]``, ``true``)."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


class RulesError(BadInput):
    """Exit 7: a grading rules file is wrong; nothing is graded or recorded."""
    msg = N_("Grading rules file {path}: {why}")


class RulesNotFound(RulesError):
    msg = N_("Grading rules file {path}: no such file")


class RulesUnreadable(RulesError):
    msg = N_("Grading rules file {path} cannot be read: {detail}")


class RulesNotToml(RulesError):
    msg = N_("Grading rules file {path} is not valid TOML, line {line}, column {column}: {detail}")


class RulesNoVersion(RulesError):
    msg = N_("Grading rules file {path}: the key 'version' is missing; give your rules a "
             "version of your own (e.g. version = \"my-workshop-1\"): every verdict cites it")


class RulesUnknownKey(RulesError):
    msg = N_("Grading rules file {path}: unknown key '{key}'; the keys here are: {known}")


class RulesUnknownKeyHint(RulesUnknownKey):
    msg = N_("Grading rules file {path}: unknown key '{key}'; did you mean '{hint}'?")


class RulesMissingKey(RulesError):
    msg = N_("Grading rules file {path}: the key '{key}' is missing")


class RulesMissingEditionKey(RulesMissingKey):
    # A workshop's [[emmabuntus]] list replaces the packaged one (TOML arrays of tables
    # are not merged key by key), so each of its tables must be complete.
    msg = N_("Grading rules file {path}: the key '{key}' is missing; your [[emmabuntus]] "
             "tables replace the packaged ones, so each needs: {fields}")


class RulesWrongType(RulesError):
    msg = N_("Grading rules file {path}: '{key}' must be {expected}, not {value}")
    _translated = RulesError._translated + ("expected",)


class RulesBadChoice(RulesError):
    msg = N_("Grading rules file {path}: '{key}' must be one of {allowed}, not {value}")
