"""Procurement's demo data: joint requisitions made through the services (``requisitions``)."""
