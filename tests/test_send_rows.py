"""The rows a send settles: each row's status and the CRM's lead _id, as the report shows them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from importer.send.batches import SheetRows


def _rows(n: int) -> pd.DataFrame:
    valid = ["invalid" if i % 5 == 4 else "valid" for i in range(n)]
    return pd.DataFrame(
        {
            "sheet_row": range(2, n + 2),
            "status": pd.array(valid, dtype="str"),
            "reason": pd.array(["bad-phone" if s == "invalid" else "" for s in valid], dtype="str"),
            "referenceId": pd.array([f"r{i}" for i in range(n)], dtype="str"),
            "lead_id": pd.array([""] * n, dtype="str"),
        }
    )


def test_every_accepted_row_gets_its_own_lead_id_whatever_order_the_batches_were_answered_in() -> None:
    """Batches answered out of order, a rejected row among them and a row settled again after its batch:
    each accepted row shows the _id the CRM gave it, every other row none, and the statuses are as settled."""
    rows = _rows(23)
    positions = np.flatnonzero((rows["status"] == "valid").to_numpy())
    state = SheetRows(rows, positions)
    batches = [positions[i : i + 4] for i in range(0, len(positions), 4)]
    for batch in reversed(batches):  # the last batch answered first
        accepted = [int(at) for at in batch if at != 6]
        state.accept(accepted, [f"id-{at}" for at in accepted])
    state.set(6, "rejected", reason="refused by the CRM")
    state.set(8, "pending", reason="unconfirmed", lead_id="id-again")
    out = state.frame(rows)
    expected = {int(at): f"id-{at}" for at in positions if at != 6}
    expected[8] = "id-again"
    assert out["lead_id"].tolist() == [expected.get(i, "") for i in range(23)]
    statuses = ["invalid" if i % 5 == 4 else "accepted" for i in range(23)]
    statuses[6], statuses[8] = "rejected", "pending"
    assert out["status"].tolist() == statuses
    assert rows["lead_id"].tolist() == [""] * 23  # the frame sent is left as it was


def test_a_row_accepted_twice_shows_the_id_of_its_last_answer() -> None:
    """A row whose lead the CRM accepted again (a retried batch) shows the later answer's _id."""
    rows = _rows(6)
    positions = np.flatnonzero((rows["status"] == "valid").to_numpy())
    state = SheetRows(rows, positions)
    state.accept([0, 1, 2], ["a0", "a1", "a2"])
    state.accept([1, 3], ["b1", "b3"])
    out = state.frame(rows)
    assert out["lead_id"].tolist() == ["a0", "b1", "a2", "b3", "", ""]
    assert out["status"].tolist() == ["accepted"] * 4 + ["invalid", "valid"]
