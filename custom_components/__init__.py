"""Custom components package (kept so tests import the integration from the checkout)."""
