"""Accounts' demo data: ``accounts.json`` and its loader, ``loader.seed``."""
