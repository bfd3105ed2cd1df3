"""Partner partnership-activity submissions: example generator, contract validation, idempotent ingest."""
