"""Ingest: the direct-report exports of a month folder → one canonical table, quarantine and reconciliation.
May import the shared core (pipeline.errors, period, params, catalogues, io_utils, fmt) only."""
