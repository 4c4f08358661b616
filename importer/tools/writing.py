"""How a phone number without its country code is written: its digit groups against a region's national format
(phonenumbers' metadata), the trunk prefix people write or leave out, and what a sample of such numbers is."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers.phonenumberutil import _choose_formatting_pattern_for_number

from importer.normalize.phones import region_rules


def toll_free_note(sample: list[str], region: str) -> str:
    """What the evidence line adds when most of ``sample`` are toll-free numbers of ``region``: that they are dialled
    alike in every country of its calling code (North America's 800, 888 ...), where they count as the code's."""
    free = 0
    for cell in sample:
        try:
            number = phonenumbers.parse(cell, region)
        except phonenumbers.NumberParseException:
            continue
        free += phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.TOLL_FREE
    if free * 2 <= len(sample):
        return ""
    code = phonenumbers.country_code_for_region(region)
    many = len(phonenumbers.region_codes_for_country_code(code)) > 1
    where = f"every country of +{code}" if many else region
    return f"; {free} are toll-free numbers, dialled alike in {where}"


def prefix_optional(region: str, number: phonenumbers.PhoneNumber) -> bool:
    """Whether the region's people may leave the trunk prefix out of this number (India's mobiles)."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if meta is None:
        return False
    nsn = phonenumbers.national_significant_number(number)
    chosen = _choose_formatting_pattern_for_number(meta.number_format, nsn)
    return bool(chosen is not None and chosen.national_prefix_optional_when_formatting)


def same_groups(groups: tuple[int, ...], national: tuple[int, ...]) -> bool:
    """The written digit groups are the national format's, give or take a trunk prefix written apart."""
    return groups == national or (len(national) > 1 and groups == (national[0] - 1, *national[1:]))


def trunk_apart(groups: tuple[int, ...], national: tuple[int, ...], digits: str, region: str) -> bool:
    """The written groups are the national format's after the region's trunk prefix written as a group of its own
    (``1-800-555-0199``, ``1 (415) 835-1656``: North America writes its 1 so, while its national format leaves it
    out)."""
    prefix = region_rules(region).national_prefix
    return prefix is not None and prefix != "" and digits.startswith(prefix) and groups == (len(prefix), *national)


def digit_groups(text: str) -> tuple[int, ...]:
    return tuple(len(run) for run in re.findall(r"\d+", text))
