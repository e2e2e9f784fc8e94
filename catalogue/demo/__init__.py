"""The catalogue's demo data: ``catalogue.json`` and its loader, ``loader.seed``."""
