"""Samples made by other tools, imported into a study's run directory (`passbound import`)."""

from passbound.imports.commit import ImportSummary, import_samples
from passbound.imports.formats import FORMATS, ImportedRow

__all__ = ["FORMATS", "ImportSummary", "ImportedRow", "import_samples"]
