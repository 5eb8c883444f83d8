"""The atelier's explanations: complete for every machine we know, short, sourced.

Readability bound (chosen for 14-17-year-olds, some of them early school leavers):
* at most 15 words per sentence, for the files' sentences and for every sentence made
  from a real machine's numbers. Inclusion Europe's easy-to-read standard ("Information
  for all", 2009) asks for short sentences with one idea each; 15 words is the length
  under which the French "FALC" guides and plain-language style guides (e.g. the UK
  Government Digital Service's "25 words or fewer" as an upper limit) keep most
  sentences, and it leaves room for a number and its unit;
* a Flesch reading ease of at least 60 over each language's explanations: Flesch's
  (1948) "standard" band, 60-70, is what readers aged 13-15 read without effort. For
  French we use Kandel & Moles' (1958) adaptation of the formula to French
  (207 - 1.015 words/sentence - 73.6 syllables/word), for English Flesch's own
  (206.835 - 1.015 words/sentence - 84.6 syllables/word). Syllables are counted as
  vowel groups (a mute final "e" dropped), the usual approximation of both papers'
  successors; it errs on the side of more syllables, so the bound is conservative.
"""

from __future__ import annotations

import re
import string

import pytest

from reemploi.atelier import checks, explain, quiz
from reemploi.atelier.content import STEPS, load_content, load_facts
from reemploi.probe import folder
from reemploi.probe.collector import probe_machine
from reemploi.probe.dumps import machine_from_dump
from reemploi.context import Context

from conftest import MACHINES, corpus_file, corpus_rows

MAX_WORDS = 15
MIN_EASE = 60.0
LANGS = ("fr", "en")
# Codes and jargon a trainee must never see raw (the list and the model's
# enum values): a sentence or card value containing one as a word fails.
RAW = {"pae", "sse2", "vt-x", "amd-v", "vmx", "svm", "threads", "nvme", "hdd",
       "usb-flash", "emmc", "smart", "none", "null", "unknown", "wired", "wifi", "legacy",
       "lm", "nx", "x86_64", "i686", "amd64", "i386", "sata", "ahci", "ddr3", "ddr4"}


def words(sentence: str) -> list[str]:
    return [w for w in sentence.split() if any(c.isalnum() for c in w)]


def fixture_machines():
    out = []
    for path in sorted(p for p in MACHINES.iterdir() if p.is_dir()):
        session = folder.replaying(path)
        ctx = Context(runner=session.runner, sysfs=session.sysfs, replay=True)
        out.append((path.name, probe_machine(ctx, facts=session.facts)))
    return out


def corpus_machines():
    out = []
    for row in corpus_rows("dmidecode") + corpus_rows("lshw"):
        kind = "lshw" if row["kind"] == "lshw" else "dmidecode"
        m = machine_from_dump(kind, corpus_file(row["local_path"]).read_bytes())
        if m is not None:
            out.append((row["local_path"], m))
    return out


@pytest.fixture(scope="module")
def machines(corpus):
    found = fixture_machines() + corpus_machines()
    # All 7 recorded machines and most whole dumps (the partial -t outputs are not machines).
    assert len(found) >= 7 + 120
    return found


def _raw_codes(text: str) -> set[str]:
    tokens = {t.strip(string.punctuation + "«»").lower() for t in text.split()}
    return tokens & RAW


def test_every_machine_is_explained_completely_in_both_languages(machines):
    problems = []
    for name, m in machines:
        kinds = [k for k, _ in explain.parts_of(m)]
        for lang in LANGS:
            done = explain.explain(m, lang)
            if [e.kind for e in done] != kinds:
                problems.append((name, lang, "parts and explanations differ"))
            for e in done:
                if not e.title or not e.sentences or not e.sources:
                    problems.append((name, lang, e.kind, "empty"))
                for s in e.sentences:
                    if len(words(s)) > MAX_WORDS or "{" in s or "}" in s or _raw_codes(s):
                        problems.append((name, lang, e.kind, s))
            card = checks.identity_card(m, lang)
            assert card and all(label and value for label, value in card)
            for label, value in card:
                if "{" in value or "None" in value or _raw_codes(label):
                    problems.append((name, lang, "card", label, value))
            qs = quiz.make_quiz(m, lang, seed=name)
            assert len(qs) >= 2
            for q in qs:
                if not (0 <= q.answer < len(q.choices)) or len(set(q.choices)) != len(q.choices):
                    problems.append((name, lang, "quiz", q))
                if any("{" in c for c in q.choices) or len(words(q.text)) > MAX_WORDS:
                    problems.append((name, lang, "quiz", q))
            for step in STEPS:
                r = checks.run_check(step, m)
                if r is not None:
                    text = checks.render_check(r, lang)
                    if "{" in text or any(len(words(s)) > MAX_WORDS
                                          for s in explain.split_sentences(text)):
                        problems.append((name, lang, "check", text))
    assert problems == []


def test_every_part_kind_the_probe_reports_has_an_explanation_in_both_languages():
    for lang in LANGS:
        parts = load_content(lang).parts
        missing = [k for k in explain.ALL_KINDS if k not in parts]
        assert missing == [], (lang, missing)
        # Inventory part kinds (harvest) are explained too.
        from reemploi.inventory.parts import PART_KINDS
        for kind in PART_KINDS:
            assert explain.explain_part(kind, {}, lang).sentences


def _placeholders(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_both_languages_say_the_same_things_with_the_same_numbers():
    fr, en = load_content("fr"), load_content("en")
    assert set(fr.parts) == set(en.parts)
    for kind in fr.parts:
        a, b = fr.parts[kind], en.parts[kind]
        assert set(a.says) == set(b.says), kind
        assert a.sources == b.sources, kind
        for key in a.says:
            assert _placeholders(a.says[key]) == _placeholders(b.says[key]), (kind, key)
    assert [s.key for s in fr.steps] == [s.key for s in en.steps] == list(STEPS)
    assert [s.check for s in fr.steps] == [s.check for s in en.steps]
    assert set(fr.checks) == set(en.checks)
    for key in fr.checks:
        assert _placeholders(fr.checks[key]) == _placeholders(en.checks[key]), key
    assert {k: set(v) for k, v in fr.quiz.items()} == {k: set(v) for k, v in en.quiz.items()}
    assert set(fr.card) == set(en.card)


def test_every_fact_has_a_source_with_an_address():
    facts = load_facts()
    for sid, src in facts.sources.items():
        assert src.url.startswith("https://"), sid
        assert src.what
    used = set()
    for lang in LANGS:
        c = load_content(lang)
        for p in c.parts.values():
            used.update(p.sources)
        for s in c.steps:
            used.update(s.sources)
    assert used <= set(facts.sources)
    # Each constant names its source in the comment beside it (facts.toml).
    text = (load_facts.__wrapped__.__defaults__[0] / "facts.toml").read_text(encoding="utf-8")
    for key in facts.constants:
        line = next(ln for ln in text.splitlines() if ln.startswith(key + " "))
        assert "#" in line and line.split("#")[1].strip() in facts.sources, key


def _file_sentences(lang: str) -> list[str]:
    c = load_content(lang)
    out = []
    for p in c.parts.values():
        out += explain.split_sentences(p.what)
        out += [s for t in p.says.values() for s in explain.split_sentences(t)]
    for s in c.steps:
        out += explain.split_sentences(s.todo) + explain.split_sentences(s.why)
    out += [s for t in c.checks.values() for s in explain.split_sentences(t)]
    out += [q["question"] for q in c.quiz.values()]
    return out


def syllables(word: str, lang: str) -> int:
    w = word.lower()
    if lang == "fr":
        w = re.sub(r"(es|e|ent)$", "", w) or w       # mute endings
    else:
        w = re.sub(r"e$", "", w) or w
    groups = re.findall(r"[aeiouyàâäéèêëîïôöùûüœæ]+", w)
    return max(len(groups), 1)


def reading_ease(sentences: list[str], lang: str) -> float:
    ws = [w.strip(string.punctuation + "«»’'") for s in sentences for w in words(s)]
    ws = [w for w in ws if w]
    per_sentence = len(ws) / len(sentences)
    per_word = sum(syllables(w, lang) for w in ws) / len(ws)
    if lang == "fr":
        return 207 - 1.015 * per_sentence - 73.6 * per_word
    return 206.835 - 1.015 * per_sentence - 84.6 * per_word


@pytest.mark.parametrize("lang", LANGS)
def test_sentences_are_short_and_easy_to_read(lang):
    sentences = _file_sentences(lang)
    long_ = [s for s in sentences if len(words(s)) > MAX_WORDS]
    assert long_ == []
    assert reading_ease(sentences, lang) >= MIN_EASE


def test_readability_measure_tells_hard_text_from_easy():
    """The bound can fail: a sentence from the certificate PDF scores far below it."""
    hard = ["Flash memory overwritten without a firmware erase: Clear, not Purge, "
            "because spare blocks are not reached by logical addressing."]
    assert reading_ease(hard, "en") < MIN_EASE
    assert reading_ease(["The cat sat on the mat."], "en") > MIN_EASE
