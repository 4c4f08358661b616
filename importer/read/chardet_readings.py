"""chardet's readings of a sample of bytes, in the codec names Python spells (the code-page guessers' shared input)."""

from __future__ import annotations

import codecs


def chardet_readings(sample: bytes) -> list[tuple[str, float]]:
    """chardet's guesses for ``sample``, best first: each a codec as :func:`codecs.lookup` names it (``_`` for
    ``-``) with chardet's confidence; guesses that name no codec Python has are left out."""
    import chardet  # only for a file whose code page the cheaper checks could not tell

    readings: list[tuple[str, float]] = []
    for guess in chardet.detect_all(sample, ignore_threshold=True):
        encoding = guess.get("encoding")
        if not isinstance(encoding, str):
            continue
        try:
            name = codecs.lookup(encoding).name.replace("-", "_")
        except LookupError:
            continue
        readings.append((name, float(guess.get("confidence") or 0.0)))
    return readings
