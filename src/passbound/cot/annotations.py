"""Human verdicts on the reasoning of correct samples: ``RUN/annotations/human.jsonl``.

Append-only, one JSON object per line, fsynced: a verdict once recorded is never rewritten, and
the latest line for a (model, benchmark, problem_id, index) key wins, so changing one's mind is
another append. Every record is validated against the run (model, benchmark and sample exist,
verdict is valid/invalid) before anything is written, so a bad command or a bad import file
leaves the file exactly as it was. A line cut short by a crash is skipped when reading, and the
next append starts on a fresh line so it cannot be glued onto the broken one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from passbound.cot._run import Key, check_names, sample_keys
from passbound.errors import ConfigError, DataError
from passbound.store import RunDir

HUMAN_FILE = Path("annotations") / "human.jsonl"
VERDICTS = ("valid", "invalid")
EXPORT_FORMAT = "passbound-cot-verdicts"  # what the report page's "Export verdicts" writes


def annotations_path(run: RunDir) -> Path:
    return run.path / HUMAN_FILE


def make_record(
    model: str, benchmark: str, problem_id: str, index: int, verdict: str, note: str = "", source: str = "cli"
) -> dict[str, Any]:
    """One annotation line (not yet validated against the run)."""
    return {
        "model": str(model),
        "benchmark": str(benchmark),
        "problem_id": str(problem_id),
        "index": int(index),
        "verdict": str(verdict).strip().lower(),
        "note": note or "",
        "source": source,
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def validate(run: RunDir, records: Sequence[dict[str, Any]]) -> None:
    """Raise ConfigError naming the first bad record (unknown model/benchmark, no such sample, bad verdict)."""
    check_names(run, sorted({r["model"] for r in records}), sorted({r["benchmark"] for r in records}))
    cache: dict[tuple[str, str], set[tuple[str, int]]] = {}
    for i, r in enumerate(records):
        where = f"verdict #{i + 1} " if len(records) > 1 else ""
        if r["verdict"] not in VERDICTS:
            raise ConfigError(f"{where}has verdict {r['verdict']!r}; use one of: {', '.join(VERDICTS)}")
        group = (r["model"], r["benchmark"])
        if group not in cache:
            cache[group] = sample_keys(run, *group)
        if (r["problem_id"], r["index"]) not in cache[group]:
            raise ConfigError(
                f"{where}names no sample of {run.path}: model {r['model']!r}, benchmark {r['benchmark']!r}, "
                f"problem {r['problem_id']!r}, index {r['index']}; list the correct samples with "
                f"`passbound drilldown {run.path} --model {r['model']}`"
            )


def append(run: RunDir, records: Sequence[dict[str, Any]]) -> Path:
    """Validate every record, then append them all (one write, fsynced). Nothing is written on error."""
    if not records:
        return annotations_path(run)
    validate(run, records)
    path = annotations_path(run)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
    with open(path, "a+b") as fh:
        fh.seek(0, os.SEEK_END)
        if fh.tell() > 0:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) != b"\n":  # a line cut short by a crash: do not glue onto it
                lines = "\n" + lines
        fh.write(lines.encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())
    return path


def read_all(run: RunDir) -> list[dict[str, Any]]:
    """Every well-formed annotation line, in file order (malformed lines are skipped)."""
    path = annotations_path(run)
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            r = json.loads(line)
            out.append({**r, "problem_id": str(r["problem_id"]), "index": int(r["index"])})
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            continue
    return out


def latest(run: RunDir) -> dict[Key, dict[str, Any]]:
    """The current human verdict per sample key: the last line for a key wins."""
    return {
        (r["model"], r["benchmark"], r["problem_id"], r["index"]): r
        for r in read_all(run)
        if r.get("verdict") in VERDICTS
    }


def parse_import(path: Path) -> list[dict[str, Any]]:
    """Records from a JSON file exported by the report page (or a plain list of verdict objects)."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist; give the file the report's 'Export verdicts' button saved") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(
            f"{path} is not valid JSON ({exc}); give the file the report's 'Export verdicts' button saved"
        ) from None
    items: Any = doc.get("verdicts", None) if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise DataError(
            f"{path} holds no list of verdicts; expected {{\"format\": \"{EXPORT_FORMAT}\", \"verdicts\": [...]}}"
        )
    records = []
    for i, item in enumerate(items):
        try:
            records.append(
                make_record(
                    item["model"],
                    item["benchmark"],
                    item["problem_id"],
                    int(item["index"]),
                    item["verdict"],
                    str(item.get("note") or ""),
                    source=f"import:{Path(path).name}",
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(
                f"{path}: verdict #{i + 1} is malformed ({exc!r}); each needs model, benchmark, problem_id, index, verdict"
            ) from None
    return records
