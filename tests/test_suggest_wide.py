"""Suggesting a mapping for a wide sheet: the shortcut that skips headers naming no field never skips one that does."""

from __future__ import annotations

import random
from pathlib import Path

from importer.tools import vocabulary
from importer.tools.rules import FIELD_RULES, header_match, header_may_match
from importer.tools.suggest import suggest_mapping


def _headers() -> set[str]:
    """Every word the rules and the vocabulary know, and misspelt, joined and numbered forms of them."""
    words: set[str] = set()
    for rule in FIELD_RULES:
        words |= rule.exact | rule.weak | rule.tokens | set(rule.contains)
    for value in vars(vocabulary).values():
        if isinstance(value, frozenset | tuple) and all(isinstance(w, str) for w in value):
            words |= set(value)
    base = sorted(words)
    rnd = random.Random(21)
    out = set(base)
    for _ in range(20_000):
        a, b = rnd.choice(base), rnd.choice(base)
        at = rnd.randrange(len(a) + 1)
        edits = (
            f"{a[:at]}{rnd.choice('aeilnorst1 _-')}{a[at + 1 :]}",  # a letter changed
            f"{a[:at]}{a[at + 1 :]}",  # a letter dropped
            f"{a.title()}{rnd.choice(['', ' ', '_', '-'])}{b.title()}",
            f"Customer {a} {rnd.randrange(100)}",
            f"{a[:1].lower()}{a[1:]}{b[:1].upper()}{b[1:]}",  # camelCase: split into words
        )
        out.add(rnd.choice(edits))
    return out


def test_a_header_ruled_out_at_once_matches_no_rule() -> None:
    wrong = [h for h in _headers() if not header_may_match(h) and any(header_match(h, rule)[0] for rule in FIELD_RULES)]
    assert wrong == []


def test_fields_are_found_among_thousands_of_question_columns(tmp_path: Path) -> None:
    questions = [f"Question {i}" for i in range(1, 3001)]
    header = [*questions[:1200], "leadName", *questions[1200:2500], "Tel_Work", *questions[2500:], "Contact Info"]
    rows = [
        [
            *(f"answer {(r * 7 + i) % 5}" for i in range(1200)),
            name,
            *(f"answer {(r + i) % 5}" for i in range(1300)),
            phone,
            *(f"answer {(r + 2 * i) % 5}" for i in range(500)),
            email,
        ]
        for r, (name, phone, email) in enumerate(
            [
                ("Asha Rao", "+91 98123 45671", "asha@example.com"),
                ("Ben Cole", "+91 98123 45672", "ben@example.org"),
                ("Chen Li", "+91 98123 45673", "chen@example.net"),
            ]
        )
    ]
    path = tmp_path / "survey.csv"
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    suggestion = suggest_mapping(path)
    chosen = {c.field: c.header for c in suggestion.fields}
    assert chosen["name"] == "leadName"
    assert chosen["phone"] == "Tel_Work"
    assert chosen["email"] == "Contact Info"  # by its cells: the header names no field
    assert ("question_2999", "Question 2999") in suggestion.metadata
