"""The sandbox CRM, driven over real HTTP on loopback with httpx."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from importer.sandbox.server import Clock, Sandbox, SandboxSettings, serve
from tests.waiting import ManualClock, wait_until

SETTINGS = SandboxSettings()
PROJECT = SETTINGS.project_id
PROCESS = SETTINGS.process_ids[0]
AUTH = {"Authorization": f"Bearer {SETTINGS.token}"}
BULK = "/leads/bulk/initiate"
SINGLE = "/leads/initiate"
GET = "/leads/get"

Json = dict[str, Any]
Start = Callable[..., Sandbox]


def lead(number: int = 1, **fields: Any) -> Json:
    """A valid lead whose phone, email and referenceId are unique to ``number``."""
    base: Json = {
        "projectId": PROJECT,
        "processId": PROCESS,
        "name": f"Asha Rao {number}",
        "phone": f"+9198450{number:05d}",
        "email": f"asha{number}@example.com",
        "referenceId": f"row-{number}",
    }
    base.update(fields)
    return {key: value for key, value in base.items() if value is not None}


@pytest.fixture
def start() -> Iterator[Start]:
    """Start sandboxes with settings overrides; all are stopped after the test."""
    running: list[Sandbox] = []

    def make(clock: Clock = time.monotonic, **overrides: Any) -> Sandbox:
        sandbox = Sandbox(SandboxSettings(**overrides), clock=clock)
        sandbox.start()
        running.append(sandbox)
        return sandbox

    yield make
    for sandbox in running:
        sandbox.stop()


def client(sandbox: Sandbox, **kwargs: Any) -> httpx.Client:
    return httpx.Client(base_url=sandbox.base_url, headers=AUTH, **{"timeout": 5.0, **kwargs})


def test_requests_without_the_token_are_refused(start: Start) -> None:
    """A missing or wrong bearer token gets 403 and stores nothing."""
    sandbox = start()
    with httpx.Client(base_url=sandbox.base_url) as http:
        missing = http.post(BULK, json={"leads": [lead()]})
        wrong = http.post(BULK, json={"leads": [lead()]}, headers={"Authorization": "Bearer nope"})
    assert (missing.status_code, missing.json()) == (403, {"error": "Invalid or missing API token"})
    assert wrong.status_code == 403
    assert sandbox.leads() == []


def test_bulk_stores_leads_with_object_ids(start: Start) -> None:
    """Valid leads come back in success[] with 24-hex _ids and are stored."""
    sandbox = start()
    with client(sandbox) as http:
        response = http.post(BULK, json={"leads": [lead(1), lead(2, name=None, firstName="Ravi", lastName="K")]})
        listed = http.get("/sandbox/leads").json()["leads"]
    assert response.status_code == 200
    body = response.json()
    assert body["errors"] == []
    assert [item["referenceId"] for item in body["success"]] == ["row-1", "row-2"]
    assert all(re.fullmatch(r"[0-9a-f]{24}", item["_id"]) for item in body["success"])
    assert len({item["_id"] for item in body["success"]}) == 2
    assert (body["success"][0]["firstName"], body["success"][0]["lastName"]) == ("Asha", "Rao 1")
    assert body["success"][1]["name"] == "Ravi K"
    assert [stored["_id"] for stored in sandbox.leads()] == [item["_id"] for item in body["success"]]
    assert listed == sandbox.leads()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": None}, "firstName or name is required"),
        ({"phone": None, "email": None}, "Either phone or email is required"),
        ({"phone": "9999999999"}, "Phone number contains repeating digits pattern"),
        ({"phone": "+919898989898"}, "Phone number contains repeating digits pattern"),
        ({"email": "Asha2@Example.com"}, "Invalid email format"),
        ({"email": "asha2@example"}, "Invalid email format"),
        ({"phone": "+919845000001"}, "A call attempt has already been made to this phone number for this project"),
        ({"referenceId": "row-1"}, "Lead with referenceId row-1 already exists for this project and process"),
        ({"email": "asha1@example.com"}, "Lead with email asha1@example.com already exists for this project"),
    ],
)
def test_each_invalid_lead_gets_the_contract_message(start: Start, fields: Json, message: str) -> None:
    """A bad lead lands in errors[] with the contract's message while its batch still succeeds."""
    sandbox = start()
    with client(sandbox) as http:
        http.post(BULK, json={"leads": [lead(1)]})
        bad = lead(2, **fields)
        response = http.post(BULK, json={"leads": [bad, lead(3)]})
    assert response.status_code == 200
    body = response.json()
    assert body["errors"] == [{"data": bad, "referenceId": bad.get("referenceId"), "error": message}]
    assert [item["referenceId"] for item in body["success"]] == ["row-3"]
    assert len(sandbox.leads()) == 2


def test_duplicates_within_one_request_count(start: Start) -> None:
    """The second copy of a lead in the same request is a duplicate of the first."""
    sandbox = start()
    with client(sandbox) as http:
        body = http.post(BULK, json={"leads": [lead(1), lead(1)]}).json()
    assert len(body["success"]) == 1
    assert [error["error"] for error in body["errors"]] == [
        "A call attempt has already been made to this phone number for this project"
    ]
    assert sandbox.stats().duplicates == 1


def test_batch_over_the_cap_is_refused(start: Start) -> None:
    """More leads than bulk_cap gets 400 with the cap in the message and stores nothing."""
    sandbox = start(bulk_cap=2)
    with client(sandbox) as http:
        response = http.post(BULK, json={"leads": [lead(1), lead(2), lead(3)]})
    assert (response.status_code, response.json()) == (400, {"error": "Maximum of 2 leads allowed per request"})
    assert sandbox.leads() == []


def test_malformed_bulk_bodies_are_refused(start: Start) -> None:
    """No leads array, or a non-array, gets the contract's 400 messages."""
    sandbox = start()
    with client(sandbox) as http:
        missing = http.post(BULK, json={"init": True})
        not_list = http.post(BULK, json={"leads": {"a": 1}})
    assert (missing.status_code, missing.json()) == (400, {"error": "Either leadIds or leads array is required"})
    assert (not_list.status_code, not_list.json()) == (400, {"error": "Input must be an array"})


def test_project_mismatch_rejects_the_whole_batch(start: Start) -> None:
    """One lead from another project gets 403 for the batch and nothing is stored."""
    sandbox = start()
    with client(sandbox) as http:
        response = http.post(BULK, json={"leads": [lead(1), lead(2, projectId="64f0c0ffee000000000000ff")]})
    assert (response.status_code, response.json()) == (403, {"error": "projectId does not match authenticated project"})
    assert sandbox.leads() == []


def test_unknown_process_rejects_the_whole_batch(start: Start) -> None:
    """A lead naming an unknown process gets 404 with its id and nothing is stored."""
    sandbox = start()
    other = "64f0c0ffee000000000000ee"
    with client(sandbox) as http:
        response = http.post(BULK, json={"leads": [lead(1), lead(2, processId=other)]})
    assert response.status_code == 404
    assert response.json() == {"error": f"Process not found for lead with processId: {other}"}
    assert sandbox.leads() == []


def test_bulk_lead_ids_reinitiate_stored_leads(start: Start) -> None:
    """leadIds of stored leads succeed; an unknown id is a per-item error."""
    sandbox = start()
    with client(sandbox) as http:
        stored = http.post(BULK, json={"leads": [lead(1)]}).json()["success"][0]
        body = http.post(BULK, json={"leadIds": [stored["_id"], "ffffffffffffffffffffffff"]}).json()
    assert [item["_id"] for item in body["success"]] == [stored["_id"]]
    assert body["errors"] == [
        {
            "data": "ffffffffffffffffffffffff",
            "referenceId": None,
            "error": "Lead with ID ffffffffffffffffffffffff not found",
        }
    ]


def test_single_initiate_returns_the_lead_or_a_400(start: Start) -> None:
    """POST /leads/initiate answers 200 with success and the lead, then 400 for its duplicate."""
    sandbox = start()
    with client(sandbox) as http:
        first = http.post(SINGLE, json={"lead": lead(1)})
        again = http.post(SINGLE, json={"lead": lead(1)})
        unknown = http.post(SINGLE, json={"leadId": "ffffffffffffffffffffffff"})
    assert first.status_code == 200
    assert first.json()["success"] is True
    assert first.json()["referenceId"] == "row-1"
    assert again.status_code == 400
    assert again.json() == {"error": "A call attempt has already been made to this phone number for this project"}
    assert (unknown.status_code, unknown.json()) == (404, {"error": "Lead with ID ffffffffffffffffffffffff not found"})


def test_get_by_reference_finds_stored_leads_only(start: Start) -> None:
    """GET /leads/get by referenceId returns the stored lead with activities, else 404 or 400."""
    sandbox = start()
    with client(sandbox) as http:
        stored = http.post(BULK, json={"leads": [lead(1)]}).json()["success"][0]
        found = http.get(GET, params={"referenceId": "row-1", "projectId": PROJECT, "processId": PROCESS})
        missing = http.get(GET, params={"referenceId": "row-9", "projectId": PROJECT, "processId": PROCESS})
        by_id = http.get(GET, params={"leadId": stored["_id"], "masked": "true"})
        no_ids = http.get(GET, params={"referenceId": "row-1"})
    assert found.status_code == 200
    assert found.json() == {"success": True, "data": {**stored, "activities": []}}
    assert (missing.status_code, missing.json()) == (404, {"success": False, "error": "Lead not found"})
    assert by_id.json()["data"]["phone"] == "+********0001"
    assert no_ids.status_code == 400
    assert no_ids.json()["error"] == "projectId and processId are required when using referenceId"


def test_rate_limit_answers_429_with_retry_after(start: Start) -> None:
    """Past rate_limit requests in the window, 429 with Retry-After; the window then slides on."""
    clock = ManualClock()
    sandbox = start(clock, rate_limit=3, rate_window=10.0)
    params = {"leadId": "ffffffffffffffffffffffff"}
    with client(sandbox) as http:
        allowed = [http.get(GET, params=params).status_code for _ in range(3)]
        clock.advance(9.5)
        limited = http.get(GET, params=params)
        clock.advance(0.5)
        later = http.get(GET, params=params)
    assert allowed == [404, 404, 404]
    assert limited.status_code == 429
    assert limited.json() == {"success": False, "error": "Too many requests, slow down"}
    assert limited.headers["Retry-After"] == "1"  # the window's first request leaves it in 0.5 s
    assert later.status_code == 404
    assert sandbox.stats().rate_limited == 1


def test_repeated_duplicates_block_the_key_for_a_while(start: Start) -> None:
    """More than dup_threshold duplicates block every request with 429 until block_seconds pass."""
    clock = ManualClock()
    sandbox = start(clock, dup_threshold=2, block_seconds=3600.0)
    with client(sandbox) as http:
        http.post(BULK, json={"leads": [lead(1)]})
        http.post(BULK, json={"leads": [lead(1), lead(1), lead(1)]})
        blocked = http.post(BULK, json={"leads": [lead(2)]})
        lookup = http.get(GET, params={"leadId": "ffffffffffffffffffffffff"})
        stats = http.get("/sandbox/stats")
        clock.advance(3599.0)
        still = http.post(BULK, json={"leads": [lead(2)]})
        clock.advance(1.0)
        after = http.post(BULK, json={"leads": [lead(2)]})
    expected = "API key temporarily blocked due to repeated duplicate submissions. Try again later."
    assert (blocked.status_code, blocked.json()) == (429, {"success": False, "error": expected})
    assert int(blocked.headers["Retry-After"]) == 3600
    assert (still.status_code, still.headers["Retry-After"]) == (429, "1")
    assert lookup.status_code == 429
    assert stats.status_code == 200
    assert stats.json()["blocked"] is True
    assert stats.json()["duplicates"] == 3
    assert after.status_code == 200
    assert after.json()["errors"] == []
    assert sandbox.stats().blocked is False


def test_5xx_fault_stores_nothing(start: Start) -> None:
    """With fault_5xx=1 every initiate answers 500 before storing anything."""
    sandbox = start(fault_5xx=1.0)
    with client(sandbox) as http:
        response = http.post(BULK, json={"leads": [lead(1)]})
    assert (response.status_code, response.json()) == (500, {"error": "Internal server error"})
    assert sandbox.leads() == []


def test_drop_fault_stores_then_disconnects(start: Start) -> None:
    """With fault_drop=1 the leads are stored but the client gets no response at all."""
    sandbox = start(fault_drop=1.0)
    with client(sandbox) as http, pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        http.post(BULK, json={"leads": [lead(1)]})
    assert [stored["referenceId"] for stored in sandbox.leads()] == ["row-1"]


def test_guide_error_shape_carries_the_lead_object(start: Start) -> None:
    """With error_shape='guide', error items are {leadId: <submitted lead>, error}."""
    sandbox = start(error_shape="guide")
    bad = lead(1, name=None)
    with client(sandbox) as http:
        body = http.post(BULK, json={"leads": [bad]}).json()
    assert body == {"success": [], "errors": [{"leadId": bad, "error": "firstName or name is required"}]}


def test_mixed_results_can_come_back_as_400(start: Start) -> None:
    """With mixed_status_400, a batch with any per-lead error answers 400 with the same body."""
    sandbox = start(mixed_status_400=True)
    with client(sandbox) as http:
        clean = http.post(BULK, json={"leads": [lead(1)]})
        mixed = http.post(BULK, json={"leads": [lead(2), lead(3, phone=None, email=None)]})
    assert clean.status_code == 200
    assert mixed.status_code == 400
    assert len(mixed.json()["success"]) == 1
    assert len(mixed.json()["errors"]) == 1


def test_stats_record_initiate_arrivals_and_sizes(start: Start) -> None:
    """Stats keep each initiate request's arrival and lead count, over Python and HTTP."""
    sandbox = start()
    with client(sandbox) as http:
        http.post(BULK, json={"leads": [lead(1), lead(2), lead(3)]})
        http.post(SINGLE, json={"lead": lead(4)})
        http.get(GET, params={"leadId": "ffffffffffffffffffffffff"})
        served = http.get("/sandbox/stats").json()
    stats = sandbox.stats()
    assert stats.initiate_sizes == (3, 1)
    assert stats.max_requests_in(60.0) == 2
    assert stats.initiate_times == tuple(sorted(stats.initiate_times))
    assert served == {
        "requests": 3,
        "initiate_requests": 2,
        "max_leads_per_request": 3,
        "duplicates": 0,
        "blocked": False,
        "rate_limited": 0,
    }


def test_latency_is_slept_outside_the_lock(start: Start) -> None:
    """Concurrent slow requests overlap instead of queueing behind each other."""
    sandbox = start(latency=(3.0, 3.0))
    statuses: list[int] = []

    def send(number: int) -> None:
        with client(sandbox, timeout=60.0) as http:
            statuses.append(http.post(BULK, json={"leads": [lead(number)]}).status_code)

    threads = [threading.Thread(target=send, args=(number,)) for number in range(5)]
    for thread in threads:
        thread.start()
    # Each request is counted before its delay and stored after it: all five counted while none is stored yet
    # shows that no request waited for another's delay (in the lock, the fifth would come 12 s after the first).
    wait_until(
        lambda: sandbox.stats().initiate_requests == 5 or sandbox.leads(), message="five requests or a stored lead"
    )
    assert sandbox.stats().initiate_requests == 5 and not sandbox.leads()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 5
    assert len(sandbox.leads()) == 5


def test_serve_announces_its_url_and_stops_on_ctrl_c() -> None:
    """serve() announces a working base URL and returns cleanly on KeyboardInterrupt."""
    seen: list[tuple[str, int]] = []

    def announce(message: str) -> None:
        url = message.removeprefix("Sandbox CRM listening on ")
        seen.append((message, httpx.get(f"{url}/sandbox/stats", headers=AUTH).status_code))
        raise KeyboardInterrupt

    serve(SETTINGS, announce=announce)
    [(message, status)] = seen
    assert re.fullmatch(r"Sandbox CRM listening on http://127\.0\.0\.1:\d+/api/v1", message)
    assert status == 200


def test_sandbox_command_on_a_port_in_use_says_so_plainly(run_cli: Any) -> None:
    """`leadimport sandbox --port N` where something already listens (the docs' default 8765 is also
    `leadimport serve`'s) exits 2 naming the port, as `serve` does, not as an internal error."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("sandbox", "--port", str(port))
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "internal error" not in result.stderr


def test_serve_says_how_to_import_into_it() -> None:
    """After its URL, serve() says the token, base URL and ids a run needs to import into it."""
    lines: list[str] = []

    def announce(message: str) -> None:
        lines.append(message)
        if len(lines) == 2:
            raise KeyboardInterrupt

    serve(SandboxSettings(token="t0ken", project_id="p1", process_ids=("q1",)), announce=announce)
    url = lines[0].removeprefix("Sandbox CRM listening on ")
    assert f"export VOX_API_TOKEN=t0ken VOX_BASE_URL={url}\n" in lines[1]
    assert "--project-id p1 --process-id q1" in lines[1]
