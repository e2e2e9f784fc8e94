"""Procurement's pages: ``requisitions`` (requisitions, approvals, orders) and ``documents``
(contract documents' preview, regeneration and retry)."""
