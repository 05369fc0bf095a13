"""The provider-neutral core both apps share: status interpretation, storage, logging, log pages.

Nothing in here knows a provider's field names or SDK; the provider packages turn their wire
format into a `shared.report.Report` and hand it over.
"""
