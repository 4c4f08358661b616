"""The Vox CRM client over httpx: transport, reading answers, recovery, the rate limiter, the duplicate budget."""

from importer.crm.client import CrmClient, CrmSettings, RetryPolicy
from importer.crm.limiter import DEFAULT_RATE, RateLimit, RateLimiter

__all__ = ["DEFAULT_RATE", "CrmClient", "CrmSettings", "RateLimit", "RateLimiter", "RetryPolicy"]
