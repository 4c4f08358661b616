"""Mapped cells → lead columns and row issues: phones, countries, emails, names, referenceIds."""

from importer.normalize.leads import LeadFrame, build_leads
from importer.normalize.phones import normalize_phones

__all__ = ["LeadFrame", "build_leads", "normalize_phones"]
