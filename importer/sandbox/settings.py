"""How the sandbox CRM behaves: identity, limits, contract variants and injected faults."""

from __future__ import annotations

from dataclasses import dataclass

ERROR_SHAPES = ("reference", "guide")
"""The two shapes of a bulk error item the contract documents (``docs/crm-contract.md``)."""


@dataclass(frozen=True, slots=True)
class SandboxSettings:
    """How the sandbox behaves: identity, limits, contract variants and injected faults."""

    token: str = "sandbox-token"
    project_id: str = "64f0c0ffee0000000000aaaa"
    process_ids: tuple[str, ...] = ("64f0c0ffee0000000000beef",)
    bulk_cap: int = 1000
    rate_limit: int = 100
    rate_window: float = 5.0
    dup_threshold: int = 5
    dup_window: float = 60.0
    block_seconds: float = 3600.0
    latency: tuple[float, float] = (0.0, 0.0)
    store_delay: float = 0.0
    """Seconds a bulk or single create waits before storing, on top of ``latency``; lookups do not wait
    (a CRM slower to insert a batch than to read one lead)."""
    fault_5xx: float = 0.0
    fault_drop: float = 0.0
    mixed_status_400: bool = False
    error_shape: str = "reference"
    seed: int | None = None
    preexisting_phones: frozenset[str] = frozenset()
    """Phones that already had a call attempt in the project: a lead with one is refused as a duplicate
    (compared by digits; write them in E.164, as leadimport sends them)."""

    def __post_init__(self) -> None:
        if self.error_shape not in ERROR_SHAPES:
            raise ValueError(f"error_shape must be one of {ERROR_SHAPES}, not {self.error_shape!r}")


DEFAULT_SETTINGS = SandboxSettings()
