"""The run directory: append-only Parquet shards plus a manifest (docs/reference/run-directory.md)."""

from passbound.store.rundir import PROBLEM_SCHEMA, SAMPLE_SCHEMA, VERDICT_SCHEMA, RunDir, atomic_write_table

__all__ = ["PROBLEM_SCHEMA", "RunDir", "SAMPLE_SCHEMA", "VERDICT_SCHEMA", "atomic_write_table"]
