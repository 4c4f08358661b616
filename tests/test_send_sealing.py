"""A long run seals its settled batches in the ledger as it goes (so that it does not hold every lead it sent in
memory): every lead still reaches the CRM once, each row's report shows the CRM's _id, and the same import
again sends nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

import importer
from importer.sandbox.server import Sandbox, SandboxSettings
from importer.send import submit
from tests.conftest import PROCESS, PROJECT
from tests.sandbox_util import MAPPING, TOKEN, good_phones, write_sheet


def test_a_run_that_seals_as_it_goes_sends_each_lead_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """40 leads in 20 batches, the settled ones sealed every 3 batches: 40 leads stored, each row's lead_id the
    CRM's, and the rerun finds all 40 already imported without a request."""
    monkeypatch.setattr(submit, "SEAL_EVERY", 3)
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(40, seed=53))
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    ledger = tmp_path / "ledger.sqlite3"
    send = importer.SendOptions(batch_size=2, concurrency=4)
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with Sandbox(settings) as crm:
        first = importer.import_file(sheet, mapping, token=TOKEN, base_url=crm.base_url, ledger=ledger, send=send)
        requests = crm.stats().initiate_requests
        again = importer.import_file(sheet, mapping, token=TOKEN, base_url=crm.base_url, ledger=ledger, send=send)
        stored = crm.leads()
        assert crm.stats().initiate_requests == requests  # the rerun sent nothing
    assert first.summary.counts == {"accepted": 40} and requests >= 20
    crm_ids = {str(lead["referenceId"]): str(lead["_id"]) for lead in stored}
    assert len(stored) == len(crm_ids) == 40
    assert dict(zip(first.rows["referenceId"], first.rows["lead_id"], strict=True)) == crm_ids
    assert again.summary.counts == {"already-imported": 40}
    assert dict(zip(again.rows["referenceId"], again.rows["lead_id"], strict=True)) == crm_ids
