"""The country a send reads numbers written without + in, chosen on the review page as ``--region`` chooses it on
the command line: offered where the check held numbers back because the rest of the sheet points to another
country (``phone-sheet-country``), whose summary otherwise only said to run again with ``--region``."""

from __future__ import annotations

import collections
from dataclasses import dataclass

import phonenumbers
from starlette.requests import Request
from starlette.responses import Response

from importer import issues
from importer.web.mapping_form import region_name
from importer.web.pages import redirect, upload_of
from importer.web.review import Review, codes
from importer.web.work import start_review

__all__ = ["HeldForCountry", "choose_region", "held_for_country"]


@dataclass(frozen=True, slots=True)
class HeldForCountry:
    """Rows held back as another country's numbers, the country the sheet points to, and the one they were read in."""

    rows: int
    region: str
    default: str

    @property
    def names(self) -> tuple[str, str]:
        """The two countries as the page names them: the sheet's, then the one the numbers were read in."""
        return region_name(self.region), region_name(self.default)


def held_for_country(review: Review) -> HeldForCountry | None:
    """The rows the check held back as ``phone-sheet-country`` and the country they point to (the most named),
    or None when there are none or the check has no country to offer instead."""
    code = issues.PHONE_SHEET_COUNTRY.code
    with review.lock:
        rows = review.rows[["reason", "warnings"]]
        held = rows[rows["reason"].isin([r for r in rows["reason"].dropna().unique() if code in codes(r)])]
        named = held["warnings"].value_counts()
    countries: collections.Counter[str] = collections.Counter()
    for text, n in named.items():
        for found in codes(text):
            if found.startswith(code + ":"):
                countries[issues.split_code(found)[1]] += int(n)
    if not countries or not review.region:
        return None
    region = countries.most_common(1)[0][0]
    if region not in phonenumbers.SUPPORTED_REGIONS or region == review.region:
        return None
    return HeldForCountry(rows=len(held), region=region, default=review.region)


async def choose_region(request: Request) -> Response:
    """Read the sheet's numbers written without + in the country chosen (for this upload's checks and send), and
    check every row again."""
    upload = upload_of(request)
    data = await request.form()
    region = str(data.get("region") or "").strip().upper()
    review = f"/u/{upload.id}/review"
    if upload.send is not None and upload.send.task.running:
        upload.error = "The country cannot be changed while the leads are being sent."
        return redirect(review)
    if upload.mapping_path is None:  # the columns were never chosen (a stale tab): there is no check to redo
        upload.error = "Choose what the columns become first; then the country can be chosen on the check."
        return redirect(f"/u/{upload.id}/columns")
    if region not in phonenumbers.SUPPORTED_REGIONS:
        upload.error = f"{region!r} is not a country code; choose one of the countries offered."
        return redirect(review)
    upload.region_chosen = region
    upload.error = None
    upload.notice = (
        f"Numbers written without + are read as numbers of {region_name(region)} for this file; every row is "
        "checked again."
    )
    start_review(upload, request.app.state.web.settings)
    return redirect(review)
