"""The data stage: read, clean, group, split without leakage, audit, report (entry point: `prepare.prepare`)."""
