"""The token goes only over TLS (or to this machine), credentials in VOX_BASE_URL never show, and an answer
too large to read whole is treated as one that may have landed: its leads are looked up."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from importer.crm.address import MAX_ANSWER_BYTES, check_base_url, is_loopback, mask_url
from importer.crm.client import CrmClient, CrmSettings, RetryPolicy
from importer.crm.limiter import DEFAULT_RATE, RateLimiter
from importer.errors import ConfigError, CrmUnreachable
from tests.test_crm import PROCESS, PROJECT, TOKEN, FakeCrm, Harness, accepted, leads


def _never_called(request: httpx.Request) -> httpx.Response:
    pytest.fail(f"a request was sent to {request.url.host}")


@pytest.mark.parametrize(
    "url", ["http://crm.example.com/api/v1", "http://10.0.0.5:8080/api/v1", "http://127.0.0.1.nip.io/api/v1"]
)
def test_plain_http_to_another_machine_is_refused_before_any_connection(url: str) -> None:
    """http:// to a host that is not this machine: refused when the settings are made, nothing is sent."""
    http = httpx.Client(transport=httpx.MockTransport(_never_called))
    with (
        pytest.raises(ConfigError, match=r"plain http:// to another machine.*--insecure-http"),
        CrmClient(
            CrmSettings(url, TOKEN, PROJECT, PROCESS), limiter=RateLimiter.for_rate(DEFAULT_RATE), http=http
        ) as client,
    ):
        client.submit(leads(1))


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8765/api/v1", "http://localhost:8765/api/v1", "http://[::1]:8765/api/v1"]
)
def test_plain_http_to_this_machine_is_allowed(url: str) -> None:
    """The sandbox on loopback needs no TLS."""
    check_base_url(url)
    assert is_loopback(httpx.URL(url).host)


@pytest.mark.parametrize(
    "url", ["https://crm.example.com/leads/api/v1", "https://leads.example.com/api/v1/", "https://x.example/leadsapi"]
)
def test_an_api_served_under_a_path_with_leads_in_it_is_not_taken_for_an_endpoint(url: str) -> None:
    check_base_url(url)


@pytest.mark.parametrize(
    ("url", "meant"),
    [
        ("https://crm.example.com/api/v1/leads/bulk/initiate", "https://crm.example.com/api/v1"),
        ("https://crm.example.com/api/v1/Leads/Get?referenceId=1", "https://crm.example.com/api/v1"),
        ("https://u:secret@crm.example.com/api/v1/leads/", "https://***@crm.example.com/api/v1"),
    ],
)
def test_an_endpoint_pasted_as_the_base_url_is_refused_naming_the_base(url: str, meant: str) -> None:
    with pytest.raises(ConfigError) as caught:
        check_base_url(url)
    assert f"Set it to {meant}." in str(caught.value) and "secret" not in str(caught.value)


def test_insecure_http_lets_plain_http_through() -> None:
    """With insecure_http (--insecure-http) the caller accepts clear text; the request then goes out."""
    settings = CrmSettings("http://crm.test/api/v1", TOKEN, PROJECT, PROCESS, insecure_http=True)
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"success": [{"_id": "id-r1", "referenceId": "r1"}], "errors": []})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with CrmClient(settings, limiter=RateLimiter.for_rate(DEFAULT_RATE), http=http) as client:
        result = client.submit(leads(1))
    assert result.outcomes["r1"].state == "accepted" and seen == ["http://crm.test/api/v1/leads/bulk/initiate"]


def test_credentials_in_the_base_url_are_masked_in_every_message() -> None:
    """https://user:password@host: neither shows in a refusal or in a transport error."""
    secret_url = "http://ops:Pa55-w0rd-x@crm.example.com/api/v1"
    with pytest.raises(ConfigError) as refused:
        check_base_url(secret_url)
    assert "Pa55-w0rd-x" not in str(refused.value) and "ops:" not in str(refused.value)
    assert "http://***@crm.example.com/api/v1" in str(refused.value)
    assert mask_url("https://a:b@h/x") == "https://***@h/x"

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot connect to {request.url}", request=request)

    settings = CrmSettings("https://ops:Pa55-w0rd-x@crm.test/api/v1", TOKEN, PROJECT, PROCESS)
    client = CrmClient(
        settings,
        limiter=RateLimiter.for_rate(DEFAULT_RATE),
        http=httpx.Client(transport=httpx.MockTransport(refuse)),
        retry=RetryPolicy(attempts=2),
        sleep=lambda _: None,
    )
    result = client.submit(leads(1))
    assert isinstance(result.stop, CrmUnreachable)
    assert "Pa55-w0rd-x" not in str(result.stop) and "https://***@crm.test/api/v1" in str(result.stop)


class _Endless(httpx.SyncByteStream):
    """A body of ``total`` bytes in 1 MiB pieces, counting what was read of it."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.read = 0

    def __iter__(self) -> Iterator[bytes]:
        piece = b" " * (1 << 20)
        while self.read < self.total:
            self.read += len(piece)
            yield piece


def test_an_answer_too_large_is_not_read_whole_and_its_leads_are_looked_up() -> None:
    """A 200 MB answer: reading stops past the cap, the request counts as one that may have landed, and its
    leads are looked up (r1 stored: accepted; r2 not: sent again, once)."""
    body = _Endless(200 << 20)
    crm = FakeCrm(httpx.Response(200, stream=body), stored=["r1"])
    result = Harness(crm).submit(leads(1, 2))
    assert body.read <= MAX_ANSWER_BYTES + (2 << 20)
    assert set(crm.gets) == {"r1", "r2"}
    assert result.outcomes["r1"] == accepted("r1")["r1"]
    assert crm.refs_posted() == [["r1", "r2"], ["r2"]]
