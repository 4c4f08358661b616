"""Lead sheets of Latin America, Africa, the Middle East, Asia and Europe as local CRMs and ad platforms export
them (local headers, local country names), read with ``default_region`` set to the country, unset, or set to
another one: every number is sent in its row's own country or held with a reason, never sent as another
country's number."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from importer.sandbox.server import Sandbox, SandboxSettings
from tests.conftest import PROCESS, PROJECT, CliRun, by_row
from tests.sandbox_util import TOKEN, run_env


def _sheet(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def _mapping(path: Path, fields: dict[str, str], region: str | None) -> Path:
    lines = [f"project_id: {PROJECT}", f"process_id: {PROCESS}"]
    lines += [f"default_region: {region}"] if region else []
    lines += ["fields:", *(f'  {field}: "{column}"' for field, column in fields.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_sheet_with_no_country_at_all_sends_its_numbers_written_with_a_code(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    """No default_region and no country column (a Latin American team's first mapping): the numbers written with
    + and their code go out as written, the rest are no-region. It stopped with an internal error."""
    sheet = _sheet(
        tmp_path / "contactos.csv",
        ["Nombre", "Teléfono", "Correo electrónico"],
        [
            ["Ana López", "+52 55 1234 5678", "ana@gmail.com"],
            ["Bruno Díaz", "+54 9 11 2345-6789", "bruno@hotmail.com"],
            ["Carla Souza", "+55 11 91234-5678", "carla@uol.com.br"],
            ["Diego Ruiz", "55 1234 5678", ""],
        ],
    )
    mapping = _mapping(
        tmp_path / "m.yaml", {"name": "Nombre", "phone": "Teléfono", "email": "Correo electrónico"}, None
    )
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    assert result.exit_code == 1, result.output + result.stderr
    rows = by_row(result.report)
    assert [rows[n]["phone_e164"] for n in (2, 3, 4)] == ["+525512345678", "+5491123456789", "+5511912345678"]
    assert [rows[n]["status"] for n in (2, 3, 4)] == ["valid"] * 3
    assert rows[5]["status"] == "invalid" and rows[5]["reason"] == "no-region"
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=2000, rate_window=1)
    with Sandbox(settings) as crm:
        sent = run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "run.csv"),
                       "--no-ledger", env=run_env(crm.base_url))  # fmt: skip
        stored = sorted(str(lead["phone"]) for lead in crm.leads())
    assert sent.exit_code == 1, sent.output + sent.stderr
    assert stored == ["+525512345678", "+5491123456789", "+5511912345678"]
