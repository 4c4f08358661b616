"""Country names → ISO 3166 alpha-2 codes, from maintained data, in any language people write them.

The tables come from ``pycountry`` (every ISO 3166-1 name, official and common name, alpha-2 and
alpha-3 code, and their translations in every language it ships) and from Babel's CLDR territory
names in every locale (Deutschland, España, 日本, भारत, UK, Hong Kong SAR). Common English
abbreviations (UAE, KSA, PRC, DRC) are the initials of those names; a few places people write in a
country column (England, Scotland, Dubai) are ISO 3166-2 subdivisions, read as their country. Names
shortened as usage has it (Korea, Great Britain, Czech Rep., DR Congo) are read with OCHA's name patterns
(:mod:`importer.normalize.country_patterns`) after the English tables and before the other languages'.

Matching ignores case, spacing, punctuation and accents (``Mexico`` = ``México``). Each table is
built the first time a name is not found in the ones before it, so a sheet of ISO codes or English
names never pays for the rest. A name two countries share in one table (``Kongo``) names neither.
"""

from __future__ import annotations

import gettext
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache

import phonenumbers
import pycountry

from importer.normalize.country_abbreviations import country_of_abbreviation
from importer.normalize.country_patterns import country_of_pattern, pattern_country

_STOPWORDS = frozenset({"of", "the", "and"})
_LOCK = threading.Lock()


def name_key(text: str) -> str:
    """A name as it is compared: case-folded, accents dropped (in Latin, Greek and Cyrillic), only letters and
    digits; ``&`` and ``and`` left out and ``St`` read as ``Saint`` (St Kitts & Nevis = Saint Kitts and Nevis).

    Marks are kept in other scripts, where they are vowels (भारत is not भरत).
    """
    words = [_SAINT.get(w, w) for w in _WORD_BREAK.split(text.casefold().replace("&", " and ")) if w and w != "and"]
    out: list[str] = []
    for ch in unicodedata.normalize("NFKD", "".join(words)):
        if unicodedata.combining(ch):
            if (out and ord(out[-1][-1]) < 0x0530) or _ARABIC_MARKS.match(ch):  # an accent; Arabic's optional marks
                continue
            out.append(ch)
        elif ch.isalnum():
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


_WORD_BREAK = re.compile(r"[^\w\u0300-\u036f\u0900-\u0dff]+")
_ARABIC_MARKS = re.compile("[\u064b-\u0655]")
"""Arabic's short vowels, shadda, sukun, madda and hamza above or below a letter: marks people leave out
(الامارات for الإمارات)."""
_SAINT = {"st": "saint", "ste": "sainte"}


def _countries() -> Iterator[object]:
    return iter(pycountry.countries)


def _english_names() -> Iterator[tuple[str, str]]:
    for country in _countries():
        code = str(country.alpha_2)  # type: ignore[attr-defined]
        for attr in ("name", "official_name", "common_name"):
            name = getattr(country, attr, None)
            if name:
                yield str(name), code
                head, comma, rest = str(name).partition(", ")
                if comma:  # Korea, Republic of: also Republic of Korea
                    yield f"{rest} {head}", code


def _heads() -> Iterator[tuple[str, str]]:
    """Palestine, Moldova: the part of an ISO name before its comma (Palestine, State of)."""
    for name, code in _english_names():
        head, comma, _ = name.partition(", ")
        if comma:
            yield head, code


def _babel_english() -> Iterator[tuple[str, str]]:
    from babel import localedata

    for locale in ("en", "en_GB", "en_IN", "en_US"):
        for code, name in localedata.load(locale)["territories"].items():
            if len(code) == 2 and code.isalpha():
                yield str(name), code


def _acronyms() -> Iterator[tuple[str, str]]:
    """UAE, KSA, PRC, DRC, UK: the initials of a country's English name (of, the, and left out). Two letters only
    from the names people use (United Kingdom: UK, Dominican Republic: DR), not from an official name's state form
    (Republic of Djibouti, Kingdom of Cambodia, Union of the Comoros: RD, KC, UC, which nobody writes for them)."""
    codes = {str(c.alpha_2) for c in _countries()} | {str(c.alpha_3) for c in _countries()}  # type: ignore[attr-defined]
    short = set(_short_english())
    for name, code in [*_english_names(), *_babel_english()]:
        # Myanmar (Burma): the bracketed name is another for the same country, no word of it (MB is Manitoba's); nor
        # is what is left of it a short name (Holy See (Vatican City State): HS is no one's)
        unbracketed = _BRACKETED.sub("", name)
        words = [w for w in re.split(r"[^\w']+", unbracketed) if w and w.casefold() not in _STOPWORDS]
        if len(words) < 2 or (len(words) == 2 and ((unbracketed, code) not in short or _JOINED.search(name))):
            continue
        initials = "".join(w[0] for w in words).upper()
        if initials.isalpha() and initials.isascii() and initials not in codes:
            yield initials, code  # an ISO code always means its own country (SA is Saudi Arabia, not South Africa)


_BRACKETED = re.compile(r"\s*\(.*?\)")
_JOINED = re.compile(r"(?i)\s(?:and|&)\s")
"""Antigua and Barbuda: two places joined, whose two initials are no name of them (AB is Alberta's); people write
the & (T&T)."""


def _short_english() -> Iterator[tuple[str, str]]:
    """The English names a country goes by (ISO's short and common names without their comma, CLDR's), not its
    official name."""
    for country in _countries():
        for attr in ("name", "common_name"):
            name = getattr(country, attr, None)
            if name and ", " not in str(name):
                yield str(name), str(country.alpha_2)  # type: ignore[attr-defined]
    yield from _babel_english()


def _pycountry_translations() -> Iterator[tuple[str, str]]:
    return _translations(list(_english_names()))


def _translations(english: list[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """``english`` (ISO names and their codes) in every language pycountry translates ISO 3166-1 into."""
    import os

    directory = pycountry.LOCALES_DIR
    for language in sorted(os.listdir(directory)):
        try:
            catalog = gettext.translation("iso3166-1", directory, languages=[language])
        except OSError:
            continue
        for name, code in english:
            yield catalog.gettext(name), code


def _babel_every_locale() -> Iterator[tuple[str, str]]:
    from babel import localedata

    for locale in localedata.locale_identifiers():
        parts = locale.split("_")
        if len(parts) > 2 or (len(parts) == 2 and len(parts[1]) != 4):
            continue  # a regional variant repeats its language's names; a script (hi_Latn: Bharat) does not
        for code, name in localedata.load(locale)["territories"].items():
            if len(code) == 2 and code.isalpha():
                yield str(name), code


def _phone_library_names() -> Iterator[tuple[str, str]]:
    """The short names libphonenumber's geocoder gives each region in its languages (الإمارات, Hàn Quốc)."""
    from phonenumbers.geodata.locale import LOCALE_DATA

    for code, names in LOCALE_DATA.items():
        for name in names.values():
            if name and not name.startswith("*"):  # *en: the same as another language's name
                yield str(name), str(code)


def _native_acronyms() -> Iterator[tuple[str, str]]:
    """РФ, ОАЭ: the initials of a country's name in a cased script other than Latin (Cyrillic, Greek), from its
    ISO names' translations and CLDR's names (not official names: Республика Фиджи would be РФ too)."""
    english = [
        (str(n), str(getattr(c, "alpha_2")))  # noqa: B009 (pycountry's records are untyped)
        for c in _countries()
        for a in ("name", "common_name")
        if (n := getattr(c, a, None))
    ]
    for name, code in [*_babel_every_locale(), *_translations(english)]:
        words = [w for w in re.split(r"[^\w']+", name) if w]
        initials = "".join(w[0] for w in words).upper()
        if len(words) >= 2 and initials.isalpha() and all(_CASED_SCRIPT.match(ch) for ch in initials):
            yield initials, code


_CASED_SCRIPT = re.compile(r"[\u0370-\u03ff\u0400-\u04ff]")
"""Greek and Cyrillic letters: scripts with capitals, whose initials people write as an abbreviation."""


def _subdivisions() -> Iterator[tuple[str, str]]:
    """England, Scotland, Dubai: a part of a country that people write where the country goes.

    ISO 3166-2's names (pycountry: Dubayy, Abū Z̧aby) and their English forms (the iso3166-2 package: Dubai,
    Abu Dhabi). A part that has a country code of its own and is named as that country (Macao SAR, China's CN-MO;
    Puerto Rico, US-PR) is that country: its numbers are dialled under its own code.
    """
    owner = {}
    for sub in pycountry.subdivisions:
        name = re.sub(r"\s*\[.*?\]", "", str(sub.name))  # Wales [Cymru GB-CYM]
        owner[str(sub.code)] = _own_country(str(sub.code), name) or str(sub.country_code)
        yield name, owner[str(sub.code)]
    import json
    from importlib import resources

    data = json.loads((resources.files("iso3166_2") / "iso3166-2.json").read_text(encoding="utf-8"))
    for country, subs in data.items():
        for code, sub in subs.items():
            for part in str((sub or {}).get("localOtherName") or "").split(", "):
                english = _ENGLISH_FORM.fullmatch(part.strip())
                if english:
                    yield english.group(1), owner.get(str(code), str(country))


def _own_country(code: str, name: str) -> str | None:
    """The country a subdivision (``CN-MO``, ``Macao SAR``) is, when its code ends in a country's code and its name
    starts with that country's English name (Indiana, US-IN, is no India; San Miguel, SV-SM, no San Marino)."""
    country, _, own = code.partition("-")
    if own == country or own not in phonenumbers.SUPPORTED_REGIONS:
        return None
    words = name_key_words(name)
    for theirs in _english_words().get(own, ()):
        if theirs and words[: len(theirs)] == theirs:
            return own
    return None


@lru_cache(maxsize=1)
def _english_words() -> dict[str, list[list[str]]]:
    """Each country's English names as :func:`name_key_words` makes them, by its code: made once, not for every
    subdivision :func:`_own_country` is asked about."""
    out: dict[str, list[list[str]]] = {}
    for english, of in _english():
        out.setdefault(of, []).append(name_key_words(english))
    return out


def name_key_words(text: str) -> list[str]:
    """``text``'s words as :func:`name_key` makes each."""
    return [k for w in re.split(r"[\s\-,.()]+", text) if (k := name_key(w))]


_ENGLISH_FORM = re.compile(r"(.+?) \(eng\)")


def _major_language_names() -> Iterator[tuple[str, str]]:
    """Each country's names in the languages libphonenumber names countries in (CLDR's names in them, and its own).
    Languages few lead sheets are written in are left out: each adds names an abbreviation or initials fit by
    chance (Repanona, Lebanon's in Hiri Motu)."""
    from babel import localedata

    languages = _major_languages()
    names = list(_phone_library_names())
    english = list(_english_names())
    for language in sorted(languages):
        if localedata.exists(language):
            territories = localedata.load(language)["territories"]
            names += [(str(name), code) for code, name in territories.items() if len(code) == 2 and code.isalpha()]
        try:  # ISO's names, official ones too (Estados Unidos da América), as pycountry translates them
            catalog = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
        except OSError:
            continue
        names += [(catalog.gettext(name), code) for name, code in english]
    yield from ((name, code) for name, code in names if code in phonenumbers.SUPPORTED_REGIONS)


@lru_cache(maxsize=1)
def _major_languages() -> frozenset[str]:
    """The languages libphonenumber names countries in (Spanish, Romanian, Chinese ...), English left out."""
    from phonenumbers.geodata.locale import LOCALE_DATA

    languages = {lang for names in LOCALE_DATA.values() for lang, name in names.items() if not name.startswith("*")}
    languages.discard("aa")  # libphonenumber's English
    return frozenset(languages)


def _latin_initials() -> Iterator[tuple[str, str]]:
    """EUA (Estados Unidos da América), EAU (Emiratos Árabes Unidos), RPDC (República Popular Democrática de
    Corea): the initials of the capitalised words of a country's name in those languages (de, da, del, and other
    lower-case words left out), three or more, unless they are an ISO code. Two letters are too few to tell (NY
    would be Finnish initials of the US Virgin Islands; RU is Russia's, not Reino Unido's) but in the country's own
    language: RD, República Dominicana, as Dominicans write it (:func:`_own_initials`)."""
    codes = set(_alpha_codes())
    for name, code in _major_language_names():
        words = [w for w in re.split(r"[^\w']+", name) if w and w[0].isupper()]
        initials = "".join(w[0] for w in words)
        if len(words) >= 3 and initials.isascii() and initials.isalpha() and initials not in codes:
            yield initials, code
    yield from _own_initials(codes)


def _own_initials(codes: set[str]) -> Iterator[tuple[str, str]]:
    """RD (República Dominicana), RM (Republica Moldova): the initials of a country's two-word name (CLDR's) in the
    first of its official languages (Babel's), other than English (whose initials :func:`_acronyms` reads)."""
    from babel import localedata
    from babel.languages import get_official_languages

    major = _major_languages()
    for code in sorted(phonenumbers.SUPPORTED_REGIONS):
        languages = get_official_languages(code, de_facto=True)
        if not languages or languages[0] == "en" or languages[0] not in major or not localedata.exists(languages[0]):
            continue  # KB: Ködörösêse tî Bêafrîka in Sango, which no one writes for the Central African Republic
        name = localedata.load(languages[0])["territories"].get(code)
        words = [w for w in str(name or "").split() if w[0].isupper()]
        initials = "".join(w[0] for w in words)
        if len(words) == 2 and all(len(w) > 2 for w in words) and initials.isascii() and initials not in codes:
            yield initials, code


_IN_USE = (
    ("한국", "KR"),  # Korean's everyday name of South Korea (대한민국, the formal one, is CLDR's and ISO's)
    ("Mainland China", "CN"),  # how Hong Kong, Taiwan and trade sheets tell the PRC from them
    ("China Mainland", "CN"),
    ("中国大陆", "CN"),
    ("中國大陸", "CN"),
    ("Méjico", "MX"),  # Spain's older spelling, still written there
)
"""Names in everyday use that no maintained table has (pycountry's ISO names and translations, CLDR's names in
every locale, libphonenumber's, OCHA's patterns; nor countrynames' or countryinfo's lists): the few a country
column holds that those leave out. Each names one country only."""

_UNREAD = ("Naija",)
"""Names in everyday use for one country that a table gives another, and no table gives theirs: ``Naija``, Nigeria's
nickname, is Niger in Yoruba, Shambala and Vai (CLDR). Read as none: a wrong country is worse than none."""

_TIERS: tuple[Callable[[], Iterable[tuple[str, str]]], ...] = (
    lambda: [*_english_names(), *_babel_english(), *_IN_USE],
    _acronyms,
    _heads,
    _pycountry_translations,
    _babel_every_locale,
    _phone_library_names,
    _native_acronyms,
    _latin_initials,
    _subdivisions,
)
_PATTERN_TIER = 2
"""Where the name patterns are tried: after the English names and their initials, before the heads of ISO's
inverted names, whose ``Korea`` is North's as much as South's while usage makes it South's."""
_ABBREVIATION_TIER = 3
"""Where a cell written with abbreviations is read as one (before the other languages' names: Berber's Ssudan is
Sudan, S. Sudan is South Sudan)."""
_SUBDIVISION_TIER = len(_TIERS) - 1
_NATIVE_ACRONYM_TIER = len(_TIERS) - 3
_INITIALS_TIER = len(_TIERS) - 2
"""Read only for a cell written in capitals (РФ, not a word рф)."""
_tables: list[dict[str, str | None]] = []


@lru_cache(maxsize=1)
def _english() -> tuple[tuple[str, str], ...]:
    return tuple([*_english_names(), *_babel_english()])


def _table(tier: int) -> dict[str, str | None]:
    with _LOCK:
        while len(_tables) <= tier:
            found: dict[str, str | None] = {}
            for name, code in _TIERS[len(_tables)]():
                key = name_key(name)
                if not key:
                    continue
                if key in found and found[key] != code:
                    found[key] = None  # two countries' name in the same table: it names neither
                else:
                    found[key] = code
            _tables.append(found)
        return _tables[tier]


@lru_cache(maxsize=1)
def _alpha_codes() -> dict[str, str]:
    codes: dict[str, str] = {}
    for country in _countries():
        codes[str(country.alpha_2)] = str(country.alpha_2)  # type: ignore[attr-defined]
        codes[str(country.alpha_3)] = str(country.alpha_2)  # type: ignore[attr-defined]
    return codes


@lru_cache(maxsize=8192)
def country_of_name(text: str) -> str | None:
    """The ISO alpha-2 code a country name or code stands for (a region phonenumbers knows), or None."""
    cell = " ".join(text.split())
    if not cell:
        return None
    bare = re.sub(r"[\s.]", "", cell).upper()
    if _WORD_CUT.match(cell):  # its letters as a code people write (UK: Britain's, no ISO code) say the same
        return _cut_word(cell, _alpha_codes().get(bare) or country_of_name(bare))
    coded = _alpha_codes().get(bare) if bare.isascii() and len(bare) in (2, 3) else None
    if coded is not None:  # DE, DEU, U.S.
        return _supported(coded)
    if "/" in cell:  # Germany / Deutschland, Schweiz/Suisse: one country in two languages
        parts = {country_of_name(part) for part in cell.split("/") if part.strip()}
        return parts.pop() if len(parts) == 1 else None
    keys = [name_key(cell)]
    without_the = re.sub(r"(?i)^the\s+", "", cell)
    if without_the != cell:  # The Netherlands, the UK
        keys.append(name_key(without_the))
    keys = [k for k in keys if k]
    if not keys or any(k in _region_words() or k in _unread() for k in keys):
        return None  # APAC, EMEA, Latin America: a region of the world, never a country (APAC is no Ugandan district)
    for tier in range(len(_TIERS)):
        if tier == _PATTERN_TIER:
            patterned = country_of_pattern(cell, _english(), name_key)
            if patterned is not None:
                return _supported(patterned)
        if tier == _ABBREVIATION_TIER:  # S. Africa, EE. UU., S'pore: before other languages' names run together
            abbreviated = country_of_abbreviation(cell, _abbreviation_names, name_key)
            if abbreviated is not None:
                return _supported(abbreviated)
        if tier in (_NATIVE_ACRONYM_TIER, _INITIALS_TIER) and not cell.isupper():
            continue
        table = _table(tier)
        for key in keys:
            if key in table:
                code = table[key]
                if code is None or (tier == _SUBDIVISION_TIER and pattern_country(cell) not in (None, code)):
                    return None  # Zaire: an Angolan province's name, but usage says the Congo's old name
                return _supported(code)
    return None


_WORD_CUT = re.compile(r"[A-Z][a-z]\.$")
"""St., Ma., Mr.: a word cut to two letters, written as words are (a capital, then a small letter), with its dot; no
ISO code, which is written in capitals (ST, U.S.) or small letters (st). Three letters so cut (Ind., Arg., Nga.) are
the country's name cut short and its alpha-3 code alike."""


def _cut_word(cell: str, coded: str | None) -> str | None:
    """The country a two-letter word cut short (``Fr.``) names: the one whose names alone it starts, when its letters
    are no other country's code (``Ng.``: Nga, Vietnamese for Russia, and Nigeria's NG; ``Uk.``: Ukraine, and the
    UK; ``Sa.``, ``Ma.``: several countries' names) and no state's either (South Australia's SA is no reading of
    ``Sa.``)."""
    abbreviated = country_of_abbreviation(cell, _abbreviation_names, name_key)
    return _supported(abbreviated) if abbreviated is not None and coded in (None, abbreviated) else None


@lru_cache(maxsize=1)
def _unread() -> frozenset[str]:
    return frozenset(map(name_key, _UNREAD))


def _abbreviation_names() -> Iterator[tuple[str, str]]:
    """The names an abbreviation is read against: each country's in English and in the languages libphonenumber
    names countries in, not a subdivision's."""
    yield from ((name, code) for name, code in _english() if code in phonenumbers.SUPPORTED_REGIONS)
    yield from _major_language_names()


_SALES_REGIONS = ("APAC", "EMEA", "LATAM", "AMER", "AMERICAS", "MENA", "ANZ", "DACH", "Nordics", "GCC", "ROW",
                  "Rest of World", "Rest of the World", "Global", "Worldwide", "International", "Intl", "Other",
                  "Others", "Middle East")  # fmt: skip
"""The regions a sales team writes where a country goes; no library lists them (CLDR has the world's regions)."""


@lru_cache(maxsize=1)
def _region_words() -> frozenset[str]:
    """Names of regions of the world (CLDR's, in English, and a sales team's), none of them a country's name."""
    from babel import localedata

    regions = [str(name) for code, name in localedata.load("en")["territories"].items() if code.isdigit()]
    countries = _table(0)
    return frozenset(k for k in map(name_key, [*regions, *_SALES_REGIONS]) if k and k not in countries)


def _supported(code: str) -> str | None:
    """The region phonenumbers reads phones in for an ISO code (None for places with no phone numbering)."""
    return code if code in phonenumbers.SUPPORTED_REGIONS else None
