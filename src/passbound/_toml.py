"""The TOML parser for the study and training files, on every Python passbound supports.

``tomllib`` is in the standard library from 3.11; on 3.10 (pyproject's floor) ``tomli`` is the
same parser under its PyPI name.
"""

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

__all__ = ["tomllib"]
