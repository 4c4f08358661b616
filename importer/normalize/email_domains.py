"""Email domains: internationalised ones made sendable, mistyped ones pointed out.

``user@münchen.de`` is a valid address. It is sent with its domain in ASCII (``xn--mnchen-3ya.de``,
IDNA 2008 with UTS 46 mapping): the form DNS and every mail server use, which any "well formed" check on
the CRM's side accepts, where a Unicode domain may be refused by one that only knows ASCII. The sheet's
own column keeps the address as typed.

A domain that looks mistyped (``gmail.con``, ``gmial.com``, ``hotmial.com``) gets the warning
``email-domain-typo:<suggestion>``; the address is still sent as written (it may be right). Suggestions
come from ``email-typo-fixer``: its typo table of provider names, and the Public Suffix List
(``publicsuffixlist``) for top-level domains. Only distinct domains are looked at, and the costly
suffix search only for those whose suffix no registry has.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import idna
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from importer import issues
from importer.columns import ArrowText, to_bool

_LOCK = threading.Lock()
_NON_ASCII_DOMAIN = r"@[^@]*[^\x00-\x7f]"


def ascii_domains(text: ArrowText) -> ArrowText:
    """Addresses whose domain is written in Unicode, with the domain in its ASCII (punycode) form.

    A domain IDNA refuses is left as it is (the address check then finds it unusable).
    """
    rows = np.flatnonzero(to_bool(pc.fill_null(pc.match_substring_regex(text, _NON_ASCII_DOMAIN), False)))
    if len(rows) == 0:
        return text
    picked = pa.array(rows)
    converted = [_ascii_address(t) for t in pc.take(text, picked).to_pylist()]
    mask = np.zeros(len(text), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(text, pa.array(mask), pa.array(converted, type=text.type))


def _ascii_address(address: str) -> str:
    local, _, domain = address.rpartition("@")
    try:
        encoded = idna.encode(domain.strip().rstrip("."), uts46=True).decode("ascii")
    except idna.IDNAError:
        return address
    return f"{local}@{encoded.lower()}"


def domain_typos(email: ArrowText) -> ArrowText:
    """Per address (valid, lower case, or ""): ``email-domain-typo:<suggested domain>`` or ""."""
    blank = pa.scalar("", pa.large_string())
    domains = pc.replace_substring_regex(email, r"^[^@]*@", "")  # "" stays ""
    distinct = [d for d in pc.unique(domains).to_pylist() if d]
    fixes = {d: fixed for d in distinct if (fixed := suggested_domain(d)) is not None}
    if not fixes:
        return pc.if_else(pc.equal(domains, ""), blank, blank)
    keys = pa.array(list(fixes), type=pa.large_string())
    codes = pa.array([f"{issues.EMAIL_DOMAIN_TYPO.code}:{fixes[k]}" for k in fixes], type=pa.large_string())
    at = pc.index_in(pc.cast(domains, pa.large_string()), value_set=keys)
    return pc.fill_null(pc.take(codes, at), "")


@lru_cache(maxsize=4096)
def suggested_domain(domain: str) -> str | None:
    """The domain ``domain`` was probably meant to be, when it looks mistyped; else None."""
    fixer = _fixer()
    label = domain.split(".", 1)[0]
    unknown_suffix = domain.rpartition(".")[2] not in _top_level_domains()
    known_typo = any(
        re.search(rf"\b{re.escape(typo)}\b", label) for typo, right in fixer.domain_typos.items() if typo != right
    )
    if not unknown_suffix and not known_typo and domain not in fixer.provider_domain_corrections:
        return None
    with _LOCK:
        fixed = str(fixer.normalize(f"x@{domain}")).rpartition("@")[2]
    return fixed if fixed and fixed != domain and "." in fixed else None


@lru_cache(maxsize=1)
def _top_level_domains() -> frozenset[str]:
    """Every top-level domain of the Public Suffix List ``publicsuffixlist`` ships, in ASCII."""
    import publicsuffixlist

    path = Path(publicsuffixlist.__file__).with_name("public_suffix_list.dat")
    found = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        rule = line.strip().lstrip("!*.")
        if rule and not rule.startswith("//"):
            tld = rule.rpartition(".")[2].lower()
            found.add(tld if tld.isascii() else _ascii_label(tld))
    return frozenset(found)


def _ascii_label(label: str) -> str:
    try:
        return label.encode("idna").decode("ascii")  # the standard library's codec: a TLD needs no UTS 46 mapping
    except UnicodeError:
        return label


@lru_cache(maxsize=1)
def _fixer() -> Any:
    from email_typo_fixer import EmailTypoFixer

    return EmailTypoFixer()
