"""GeoNames' city names are made once and kept in the user's cache folder: the next run reads them back, and a
cache that cannot be read or written changes no reading of a city."""

from __future__ import annotations

from pathlib import Path

import pytest

from importer.normalize import cities

CELLS = ["Москва", "Quezon City", "London", "Bengaluru", "Hyderabad", "Davao", "東京", "Nowhere Town"]


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A cache folder of the test's own, and no names made yet in this process."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(cities, "_names", [])
    return tmp_path / "cache"


def test_names_kept_by_one_run_read_alike_in_the_next(fresh: Path) -> None:
    made = cities.city_regions(CELLS)
    assert made["Москва"] == "RU" and made["Quezon City"] == "PH" and "Hyderabad" not in made
    kept = cities.cache_file()
    assert kept is not None and kept.is_file() and kept.parent.parent == fresh
    cities._names.clear()  # a new run: the names come from the cache now
    assert cities._cached() is not None
    assert cities.city_regions(CELLS) == made


def test_a_damaged_cache_is_made_again_and_an_unwritable_folder_is_no_error(fresh: Path) -> None:
    made = cities.city_regions(CELLS)
    kept = cities.cache_file()
    assert kept is not None
    kept.write_bytes(b"not an arrow file")
    cities._names.clear()
    assert cities._cached() is None
    assert cities.city_regions(CELLS) == made  # made again, and kept again
    assert cities._cached() is not None
    cities._names.clear()
    kept.unlink()
    kept.parent.chmod(0o500)  # the folder cannot be written (root may still write: then it is kept, also fine)
    try:
        assert cities.city_regions(CELLS) == made
    finally:
        kept.parent.chmod(0o700)
