"""A whole number as an Excel number format of digits and text shows it: ``"+91 "00000 00000`` shows 9822033445 as
``+91 98220 33445``, Excel's Phone Number format ``[<=9999999]###-####;(###) ###-####`` shows 4155550132 as
``(415) 555-0132``, ``"LD-"00000`` shows 123 as ``LD-00123``.

A phone typed as a number, with the country code only in its format, reads as the person sees it, so the code is
not lost. Formats of other kinds (decimals, thousands, dates, percentages, text) are not ours to render: None.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable

__all__ = ["NumberStyle", "digits_template", "number_style", "shown_number", "shown_text"]

_CONDITION = re.compile(r"\[(<=|>=|<>|<|>|=)(-?\d+(?:\.\d+)?)\]")
_IGNORED = re.compile(r"\[(?:\$-[0-9A-Fa-f]+|[A-Za-z]+\d*)\]")  # a locale ([$-409]) or a colour ([Red], [Color10])
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<>": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "=": operator.eq,
}
_LITERAL = set(" -+():!^&'~{}<>=$")
"""Characters Excel shows as written without quotes (not ``/``: unquoted, it is a fraction's bar, ``# ?/4``)."""

Template = list[tuple[str, str]]
"""("digit", "0" | "#" | "?") placeholders and ("text", "...") literals, left to right."""


Sections = list[tuple[tuple[str, float] | None, Template | None]]
"""A format's sections for numbers: each one's condition (None: none) and pieces (None: not digits and text)."""


def digits_template(code: str) -> Sections | None:
    """A format code's sections for numbers; None when none of them shows a number as digits with text (decimals,
    thousands, a date, a percentage; or plain zero padding, read elsewhere)."""
    sections: Sections = []
    for section in _sections(code)[:3]:  # a fourth is for text
        condition = _CONDITION.match(section)
        body = section[condition.end() :] if condition else section
        template = _template(_IGNORED.sub("", body))
        if template is not None and not (
            any(kind == "digit" for kind, _ in template)
            and any(kind == "text" and text.strip() for kind, text in template)
        ):
            template = None
        sections.append(((condition.group(1), float(condition.group(2))) if condition else None, template))
    return sections if any(template is not None for _, template in sections) else None


NumberStyle = int | Sections
"""How a number format shows a whole number otherwise than its digits: the digits a zero-padding format shows
(``00000``: 5), or the sections of a format of digits and text."""
_ZEROS = re.compile(r"0{2,}")


def number_style(code: str) -> NumberStyle | None:
    """A format code's :data:`NumberStyle`; None for a format that shows a whole number as its digits (or not as
    digits at all)."""
    shown = code.split(";")[0].replace('"', "")
    if _ZEROS.fullmatch(shown):
        return len(shown)
    return digits_template(code)


def shown_text(value: int, style: NumberStyle) -> str | None:
    """``value`` (a whole number of zero or more) as a :data:`NumberStyle` shows it."""
    return str(value).zfill(style) if isinstance(style, int) else shown_number(value, style)


def shown_number(value: int, sections: Sections) -> str | None:
    """``value`` (a whole number) as the format's sections show it; None when that section is not one of digits and
    text, or for a negative number."""
    if value < 0:
        return None
    if any(condition is not None for condition, _ in sections):
        chosen = next(
            (t for c, t in sections if c is None or _COMPARE[c[0]](value, c[1])), None
        )  # the first whose condition holds; a section without one takes the rest
    else:
        chosen = sections[2][1] if value == 0 and len(sections) > 2 else sections[0][1]
    return _render(value, chosen) if chosen is not None else None


def _sections(code: str) -> list[str]:
    """The code split at its semicolons outside quotes."""
    sections: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in code:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            sections.append("".join(current))
            current = []
            continue
        current.append(char)
    sections.append("".join(current))
    return sections


def _template(body: str) -> Template | None:
    pieces: Template = []
    at = 0
    while at < len(body):
        char = body[at]
        if char in "0#?":
            pieces.append(("digit", char))
        elif char == '"':
            end = body.find('"', at + 1)
            if end < 0:
                return None
            pieces.append(("text", body[at + 1 : end]))
            at = end
        elif char == "\\" and at + 1 < len(body):
            pieces.append(("text", body[at + 1]))
            at += 1
        elif char == "_" and at + 1 < len(body):  # space as wide as the next character
            pieces.append(("text", " "))
            at += 1
        elif char == "*" and at + 1 < len(body):  # fill the cell with the next character: nothing to read
            at += 1
        elif char in _LITERAL or char in "123456789":  # Excel saves a typed "+44 0000 000000" as \+44\ 0000\ 000000
            pieces.append(("text", char))
        else:
            return None
        at += 1
    return pieces


def _render(value: int, template: Template) -> str:
    digits = list(str(value))
    out: list[str] = []
    first = next(i for i, piece in enumerate(template) if piece[0] == "digit")
    for i in range(len(template) - 1, -1, -1):
        kind, text = template[i]
        if kind == "text":
            out.append(text)
            continue
        if digits:
            out.append(digits.pop())
        elif text == "0":
            out.append("0")
        elif text == "?":
            out.append(" ")
        if i == first and digits:  # more digits than places: the first place shows the rest, in their order
            out.append("".join(digits))  # (one piece of ``out``, which is read backwards)
            digits = []
    return "".join(reversed(out))
