"""The run directory: append-only Parquet shards plus a manifest (see README, 'Run directory')."""

from passbound.store.rundir import RunDir, SAMPLE_SCHEMA, VERDICT_SCHEMA, PROBLEM_SCHEMA

__all__ = ["PROBLEM_SCHEMA", "RunDir", "SAMPLE_SCHEMA", "VERDICT_SCHEMA"]
