"""Mapping YAML → frozen, typed configuration, with errors that name the bad key."""

from __future__ import annotations

import codecs
import dataclasses
import difflib
import functools
import os
import re
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers
import yaml

from importer.errors import ConfigError, SourceError

LEAD_FIELDS = ("name", "firstName", "lastName", "phone", "email", "referenceId", "groupId")
PHONE_COUNTRY_CODE = "phoneCountryCode"
"""Not a lead field: a column of country calling codes (+971, 44, AE) the phone of each row is read with."""
FIELD_TARGETS = (*LEAD_FIELDS, PHONE_COUNTRY_CODE)
DEDUPE_KEYS = ("phone", "email", "referenceId")
TOP_LEVEL_KEYS = (
    "project_id",
    "process_id",
    "default_region",
    "sheet",
    "header_row",
    "encoding",
    "init",
    "fields",
    "metadata",
    "constants",
    "metadata_unmapped",
    "dedupe",
    "description",
)
METADATA_PREFIX = "metadata."
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """Where one lead field or metadata key comes from: header aliases tried in order."""

    target: str
    """A lead field (``phone``), or ``metadata.<key>`` for a metadata key: the two never share a name."""
    aliases: tuple[str, ...]
    required: bool = True

    @property
    def key(self) -> str:
        """The lead field or metadata key as the mapping names it."""
        return self.target.removeprefix(METADATA_PREFIX)


@dataclass(frozen=True, slots=True)
class LeadMapping:
    """A parsed mapping file."""

    source: str
    project_id: str | None
    process_id: str | None
    default_region: str | None = None
    """The region of phones written without a country code, where a row names no country; None: no such region
    (a row that needs one is invalid, ``no-region``)."""
    sheet: str | None = None
    header_row: int | None = None
    encoding: str | None = None
    """A text file's encoding (as ``--encoding``), chosen on the upload page or by ``mapping suggest --encoding``."""
    init: bool = True
    fields: tuple[ColumnSpec, ...] = ()
    metadata: tuple[ColumnSpec, ...] = ()
    constants: tuple[tuple[str, str], ...] = ()
    metadata_unmapped: bool = False
    dedupe: tuple[str, ...] = ("phone", "email")
    unresolved: tuple[str, ...] = field(default=())
    region_chosen: bool = False
    """``default_region`` was chosen for this run (``--region``): obeyed as it is even where the rest of the sheet
    points to another country, as a mapping's standing default_region is not."""

    @property
    def specs(self) -> tuple[ColumnSpec, ...]:
        """Every column the mapping reads: lead fields first, then metadata."""
        return self.fields + self.metadata

    def field_spec(self, name: str) -> ColumnSpec | None:
        """The spec feeding lead field ``name``, if the mapping has one."""
        return next((s for s in self.fields if s.target == name), None)


HEADER_KEY_CHARS = 1_000
"""Characters of a cell a header key is made of: no header is this long (a cell of data, not worth reading whole)."""


@functools.lru_cache(maxsize=1 << 16)
def normalize_header(text: str) -> str:
    """Header key for matching: case, spacing and punctuation ignored (remembered: the header search meets
    the same cells again and again, 100,000 of them in a row of a wide sheet)."""
    if len(text) > HEADER_KEY_CHARS:
        text = text[:HEADER_KEY_CHARS]
    return "".join(ch for ch in text.casefold() if ch.isalnum())


# Words people write for a lead field in a mapping's ``fields:``, by their normalized form.
FIELD_SYNONYMS = {
    "mobile": "phone", "mobileno": "phone", "mobilenumber": "phone", "contact": "phone", "contactno": "phone",
    "contactnumber": "phone", "number": "phone", "phoneno": "phone", "phonenumber": "phone", "cell": "phone",
    "cellphone": "phone", "whatsapp": "phone", "whatsappno": "phone", "whatsappnumber": "phone", "mail": "email",
    "emailid": "email", "emailaddress": "email", "mailid": "email", "leadid": "referenceId",
    "enquiryid": "referenceId", "id": "referenceId", "refid": "referenceId", "reference": "referenceId",
    "customername": "name", "fullname": "name", "leadname": "name", "first": "firstName", "fname": "firstName",
    "last": "lastName", "lname": "lastName", "surname": "lastName", "group": "groupId",
    "countrycode": "phoneCountryCode", "isdcode": "phoneCountryCode",
}  # fmt: skip


def closest(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    """The choice that ``word`` is a common name for, or that looks most like it, if any is close."""
    synonym = FIELD_SYNONYMS.get(normalize_header(word))
    if synonym in choices:
        return synonym
    keyed = {normalize_header(c): c for c in choices}
    hit = difflib.get_close_matches(normalize_header(word), list(keyed), n=1, cutoff=0.5)
    return keyed[hit[0]] if hit else None


class _TextLoader(yaml.SafeLoader):
    """Every plain scalar as the text written: ``0123`` stays "0123" (not octal 83), ``yes`` stays "yes"."""

    yaml_implicit_resolvers: dict[str, list[tuple[str, object]]] = {}  # noqa: RUF012 (PyYAML's own class attribute)


class _RepeatedKey(Exception):
    """A key given twice in one dictionary of the mapping file."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice: silently keeping the last would drop the first."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[object, object]:
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
            line = key_node.start_mark.line + 1
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise _RepeatedKey(
                    f"the key '{key}' is given twice (lines {seen[key]} and {line}); merge them into one."
                )
            if isinstance(key, (str, int, float, bool)):
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


MAX_MAPPING_BYTES = 1 << 20
"""Largest mapping file read: a mapping of thousands of columns is still well under this."""


def _mapping_text(path: Path) -> str:
    """The mapping file's text, in whatever encoding the editor saved it: UTF-8 (with or without a byte-order
    mark), UTF-16 (Notepad's "Unicode"), or the Windows code page (Notepad's "ANSI": ``Téléphone`` as cp1252),
    as lead files are read."""
    from importer.read.text import decode  # the reader's detection; importer.read imports this module

    data = path.read_bytes()
    text = decode(data, path=str(path)).text
    if "\x00" in text:
        raise ConfigError(
            f"{path}: not a text file (a workbook or another binary file), so not a mapping. Is this the lead "
            "file given as --mapping?"
        )
    return text


def load_mapping(
    path: str | Path,
    *,
    project_id: str | None = None,
    process_id: str | None = None,
    environ: MappingABC[str, str] | None = None,
    default_region: str | None = None,
) -> LeadMapping:
    """Read and check a mapping file; command-line ids (and ``default_region``, as ``--region``) override the file's."""
    for name, value in (("project_id", project_id), ("process_id", process_id), ("default_region", default_region)):
        if value is not None and not isinstance(value, str):  # an id given as a number would go out as one
            raise ConfigError(
                f"load_mapping({name}=...) is text, such as '507f1f77bcf86cd799439013' or 'IN'; got {value!r}."
            )
    p = Path(path)
    if not p.is_file():
        if p.exists():
            raise ConfigError(f"{p}: not a regular file (a folder, pipe or device); give the mapping's YAML file.")
        found = sorted(x.name for x in p.parent.glob("*.y*ml")) if p.parent.is_dir() else []
        hint = f" Mappings in {p.parent}: {', '.join(found[:20])}{' ...' if len(found) > 20 else ''}." if found else ""
        raise ConfigError(f"Mapping file not found: {p}.{hint}")
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read the mapping: {exc.strerror}.") from None
    if size > MAX_MAPPING_BYTES:
        raise ConfigError(
            f"{p}: {size:,} bytes is too large for a mapping (at most {MAX_MAPPING_BYTES:,}; a mapping is a "
            "few kilobytes). Is this the lead file given as --mapping?"
        )
    try:
        text = _mapping_text(p)
        raw = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader
    except _RepeatedKey as exc:
        raise ConfigError(f"{p}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(_yaml_error(p, text, exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: cannot read the mapping: {exc}") from None
    except SourceError as exc:  # a byte-order mark its bytes do not follow
        raise ConfigError(f"cannot read the mapping: {exc}") from None
    except RecursionError:  # [[[[... thousands deep: PyYAML recurses once per level
        raise ConfigError(f"{p}: not a mapping: its lists or dictionaries are nested thousands deep.") from None
    if not isinstance(raw, dict):
        _refuse_lead_file(p, text)
    written = yaml.load(text, Loader=_TextLoader)
    if default_region is not None and isinstance(raw, dict):
        raw = {**raw, "default_region": default_region}
    mapping = parse_mapping(
        raw,
        source=str(p),
        project_id=project_id,
        process_id=process_id,
        environ=os.environ if environ is None else environ,
        written=written if isinstance(written, dict) else None,
    )
    return dataclasses.replace(mapping, region_chosen=True) if default_region is not None else mapping


_HOW = (
    "--mapping takes the mapping's YAML file: leadimport validate LEAD_FILE --mapping MAPPING.yaml (and the same for "
    "run); leadimport mapping suggest LEAD_FILE proposes a mapping."
)


def _refuse_lead_file(p: Path, text: str) -> None:
    """A :class:`ConfigError` saying so when the "mapping" is a lead file (the file given twice, or the two swapped):
    named a sheet, or text whose first line is a row of several comma, semicolon or tab separated cells."""
    from importer.read.sniff import TEXT_SUFFIXES  # (the readers' modules, only for this message)
    from importer.read.workbook import WORKBOOK_SUFFIXES

    suffix = p.suffix.lower()
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    if suffix in TEXT_SUFFIXES or suffix in WORKBOOK_SUFFIXES or re.search(r"[^:]*(?:[,;\t][^,;\t:]*){2,}$", first):
        kind = suffix.lstrip(".").upper() or "a sheet"
        raise ConfigError(f"{p}: this is a lead file ({kind}), not a mapping. {_HOW}")


def _yaml_error(p: Path, text: str, exc: yaml.YAMLError) -> str:
    """Where a mapping's YAML is broken, with its line shown, and what the parser found there."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if mark is None or not problem:
        return f"{p}: not valid YAML: {exc}"
    context = getattr(exc, "context", None)
    lines = text.splitlines()
    began = getattr(exc, "context_mark", None)
    if began is not None and mark.line >= len(lines):  # the end reached inside a quote or bracket: where it opened
        mark, problem = began, f"{problem}: what starts here is never closed"
    shown = lines[mark.line] if mark.line < len(lines) else ""
    said = f"{context}, {problem}" if context else problem
    tip = ""
    if "\t" in shown[: len(shown) - len(shown.lstrip())] or "found character '\\t'" in said:
        tip = " Indent with spaces, not tabs."
    elif "mapping values are not allowed" in said or "expected <block end>" in said:
        tip = " Check that line's indentation: keys under one heading line up, two spaces in from it."
    return (
        f"{p}, line {mark.line + 1}, column {mark.column + 1}: not valid YAML ({said}).{tip}\n"
        f"  {mark.line + 1:>4} | {shown}\n         {' ' * mark.column}^"
    )


def parse_mapping(
    raw: object,
    *,
    source: str,
    project_id: str | None = None,
    process_id: str | None = None,
    environ: MappingABC[str, str],
    written: dict[object, object] | None = None,
) -> LeadMapping:
    """Check a loaded YAML document and build the mapping.

    ``written``: the same document with every scalar as the text written, where values are text (ids,
    constants): ``0123`` is then "0123", not 83, and ``yes`` is "yes", not True.
    """
    texts = written or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: a mapping must be a YAML dictionary of keys (project_id, fields, ...).")
    for key in raw:
        if key not in TOP_LEVEL_KEYS:
            near = closest(str(key), TOP_LEVEL_KEYS)
            tip = f" Did you mean '{near}'?" if near else ""
            raise ConfigError(f"{source}: unknown key '{key}'.{tip} Known keys: {', '.join(TOP_LEVEL_KEYS)}.")
    unresolved: list[str] = []
    proj = project_id or _env_text(
        _as_written(raw.get("project_id"), texts.get("project_id")), "project_id", source, environ, unresolved
    )
    proc = process_id or _env_text(
        _as_written(raw.get("process_id"), texts.get("process_id")), "process_id", source, environ, unresolved
    )
    fields = _specs(raw.get("fields"), "fields", source, allowed=FIELD_TARGETS, written=texts.get("fields"))
    if not any(spec.target in LEAD_FIELDS for spec in fields):
        raise ConfigError(
            f"{source}: 'fields' must map at least one lead field ({', '.join(LEAD_FIELDS)}) to a column."
        )
    metadata = _specs(raw.get("metadata"), "metadata", source, allowed=None, written=texts.get("metadata"))
    constants = _constants(raw.get("constants"), source, texts.get("constants"))
    mapping = LeadMapping(
        source=source,
        project_id=proj,
        process_id=proc,
        default_region=_region(_as_written(raw.get("default_region"), texts.get("default_region")), source),
        sheet=_optional_text(_as_written(raw.get("sheet"), texts.get("sheet")), "sheet", source),
        header_row=_header_row(raw.get("header_row"), source),
        encoding=_encoding(raw.get("encoding"), source),
        init=_bool(raw.get("init", True), "init", source),
        fields=fields,
        metadata=metadata,
        constants=constants,
        metadata_unmapped=_bool(raw.get("metadata_unmapped", False), "metadata_unmapped", source),
        dedupe=_dedupe(raw.get("dedupe", ["phone", "email"]), source),
        unresolved=tuple(unresolved),
    )
    named = {spec.target for spec in fields} | {key for key, _ in constants}
    if not named & {"name", "firstName"}:
        raise ConfigError(
            f"{source}: every lead needs a name: map a column to fields.name (or fields.firstName), "
            "or give constants.name."
        )
    if not named & {"phone", "email"}:
        raise ConfigError(
            f"{source}: every lead needs a phone number or an email: map a column to fields.phone or fields.email "
            "(without either, no lead can be sent)."
        )
    return mapping


def require_ids(mapping: LeadMapping) -> tuple[str, str]:
    """The project and process ids, or a ConfigError saying how to provide them."""
    missing = []
    if not mapping.project_id:
        missing.append("project_id (set it in the mapping, export VOX_PROJECT_ID, or pass --project-id)")
    if not mapping.process_id:
        missing.append("process_id (set it in the mapping or pass --process-id)")
    if missing:
        extra = f" Unset environment variables: {', '.join(mapping.unresolved)}." if mapping.unresolved else ""
        raise ConfigError(f"{mapping.source}: missing {' and '.join(missing)}.{extra}")
    assert mapping.project_id and mapping.process_id
    return mapping.project_id, mapping.process_id


def _env_text(value: object, key: str, source: str, environ: MappingABC[str, str], unresolved: list[str]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, (str, int)):
        raise ConfigError(f"{source}: '{key}' must be text, got {type(value).__name__}.")
    text = str(value)
    missing: list[str] = []

    def expand(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in environ and environ[name] != "":
            return environ[name]
        if default is not None:
            return default
        missing.append(name)
        return ""

    expanded = _ENV_REF.sub(expand, text).strip()
    unresolved.extend(missing)
    return expanded or None


def _specs(
    value: object, key: str, source: str, *, allowed: tuple[str, ...] | None, written: object = None
) -> tuple[ColumnSpec, ...]:
    """``written``: the same dictionary with each scalar as the text written (a column named ``No`` or ``0123``)."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: '{key}' must be a dictionary of name: column (or list of column aliases).")
    specs = []
    # No:, On:, 0123: each key as written (the text-only reading holds the same keys in the same order)
    keys = list(written) if isinstance(written, dict) and len(written) == len(value) else list(value)
    for (target, entry), key_text in zip(value.items(), keys, strict=True):
        target = str(_as_written(target, key_text))
        if allowed is not None and target not in allowed:
            near = closest(target, allowed)
            tip = f" Did you mean '{near}'?" if near else ""
            raise ConfigError(
                f"{source}: '{key}.{target}' is not a lead field.{tip} Lead fields: {', '.join(allowed)}."
            )
        texts = written.get(target) if isinstance(written, dict) else None
        aliases, required = _aliases(entry, f"{key}.{target}", source, texts)
        named = target if allowed is not None else METADATA_PREFIX + target  # metadata.phone is not the phone
        specs.append(ColumnSpec(target=named, aliases=aliases, required=required))
    return tuple(specs)


def _aliases(entry: object, where: str, source: str, written: object = None) -> tuple[tuple[str, ...], bool]:
    required = True
    if isinstance(entry, dict):
        written = written.get("columns", written.get("column")) if isinstance(written, dict) else None
        unknown = set(entry) - {"columns", "column", "required"}
        if unknown:
            raise ConfigError(f"{source}: '{where}' has unknown keys {sorted(unknown)}; use 'columns' and 'required'.")
        required = _bool(entry.get("required", True), f"{where}.required", source)
        entry = entry.get("columns", entry.get("column"))
    items = entry if isinstance(entry, list) else [entry]
    texts = written if isinstance(written, list) else [written]
    if len(texts) == len(items):  # NO, Yes, 0123: the column's name as written, not as YAML reads it
        items = [_as_written(item, text) for item, text in zip(items, texts, strict=True)]
    aliases = tuple(str(a).strip() for a in items if a is not None and str(a).strip())
    if not aliases or any(isinstance(a, (dict, list)) for a in items):
        raise ConfigError(f"{source}: '{where}' must name a column, or a list of column aliases.")
    return aliases, required


def _as_written(value: object, text: object) -> object:
    """A scalar as written in the file (``text``, from the text-only reading), else as YAML read it."""
    if isinstance(value, (int, float, bool)) and isinstance(text, str):
        return text
    return value


def _constants(value: object, source: str, written: object = None) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    texts = written if isinstance(written, dict) else {}
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: 'constants' must be a dictionary of field: value.")
    out = []
    for key, val in value.items():
        key = str(key)
        if not (key in LEAD_FIELDS or key.startswith("metadata.")):
            raise ConfigError(
                f"{source}: 'constants.{key}' must be a lead field ({', '.join(LEAD_FIELDS)}) or 'metadata.<key>'."
            )
        if key in ("phone", "email", "referenceId"):
            raise ConfigError(
                f"{source}: 'constants.{key}' would give every lead the same {key}, and the CRM keeps only one lead "
                f"per {key}; map a column to fields.{key} instead."
            )
        if isinstance(val, (dict, list)) or val is None:
            raise ConfigError(f"{source}: 'constants.{key}' must be a single value.")
        out.append((key, str(_as_written(val, texts.get(key)))))
    return tuple(out)


def _region(value: object, source: str) -> str | None:
    """The mapping's ``default_region``: an ISO code (IN), a calling code (+91) or a country's name (India)."""
    if value is None or str(value).strip() == "":
        return None
    from importer.normalize.countries import region_of_code

    region = region_of_code(str(value).strip())
    if not region:
        near = difflib.get_close_matches(str(value).strip().upper(), sorted(phonenumbers.SUPPORTED_REGIONS), n=1)
        tip = f" Did you mean '{near[0]}'?" if near else ""
        raise ConfigError(
            f"{source}: 'default_region' {value!r} names no country (give an ISO code such as IN, US or GB, a "
            f"calling code such as +91, or a country's name; or leave it out when every row has a country).{tip}"
        )
    return region


def _encoding(value: object, source: str) -> str | None:
    """The mapping's ``encoding``: one Python decodes text with (cp1252, utf-16, mac_roman, cp1251, ...)."""
    name = _optional_text(value, "encoding", source)
    if not name:
        return None
    try:
        info = codecs.lookup(name)
    except LookupError:
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):  # base64 and the like turn bytes into bytes
        raise ConfigError(
            f"{source}: 'encoding' {name!r} is no text encoding (give one such as utf-8, utf-16, cp1252, "
            "mac_roman, cp1251, cp932 or gb18030, as --encoding takes)."
        )
    return name


def _optional_text(value: object, key: str, source: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise ConfigError(f"{source}: '{key}' must be text.")
    return str(value)


def _header_row(value: object, source: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{source}: 'header_row' must be a row number (1 for the first row), got {value!r}.")
    return value


def _bool(value: object, key: str, source: str) -> bool:
    if isinstance(value, bool):
        return value
    raise ConfigError(f"{source}: '{key}' must be true or false, got {value!r}.")


def _dedupe(value: object, source: str) -> tuple[str, ...]:
    items: Any = value if isinstance(value, list) else [value]
    keys = tuple(str(k) for k in items)
    bad = [k for k in keys if k not in DEDUPE_KEYS]
    if bad:
        raise ConfigError(f"{source}: 'dedupe' keys must be among {', '.join(DEDUPE_KEYS)}; got {', '.join(bad)}.")
    return keys
