"""The Open Contracting Data Standard 1.1: the releases mapped from joint requisitions
(``releases``) and their validation against the official schema (``validation``, ``schema/``).
Writing releases is a service (``procurement.services.publication``)."""
