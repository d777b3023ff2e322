"""Run by verl's own environment (.venv-verl), not by pytest: compose every exported launch config
with verl's shipped Hydra configs and report, as JSON on stdout, each config's values for the keys
passbound set and the keys verl's own ppo_trainer does not have.

usage: python _verl_compose.py EXPORT_DIR ALGORITHM...
"""

from __future__ import annotations

import ast
import json
import sys
import sysconfig
import tempfile
from pathlib import Path

import yaml
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

VERL = Path(sysconfig.get_paths()["purelib"]) / "verl"
CONFIGS = VERL / "trainer" / "config"  # `import verl` needs its full stack; its files do not


def flatten(node: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in node.items():
        if not prefix and key in ("hydra", "defaults"):
            continue
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def has_key(config, dotted: str) -> bool:
    """Whether verl's config declares the key (a mandatory ``???`` value counts as declared)."""
    parent, _, leaf = dotted.rpartition(".")
    node = OmegaConf.select(config, parent, default=None, throw_on_missing=False) if parent else config
    return node is not None and OmegaConf.is_dict(node) and leaf in node.keys()  # noqa: SIM118 - `in` skips ??? values


def estimators() -> list[str]:
    """The values of verl's AdvantageEstimator enum, read from its source (no torch needed)."""
    tree = ast.parse((VERL / "trainer" / "ppo" / "core_algos.py").read_text())
    enum = next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == "AdvantageEstimator")
    return [n.value.value for n in enum.body if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)]


def main(export_dir: Path, algorithms: list[str]) -> None:
    with initialize_config_dir(str(CONFIGS), version_base=None):
        base = compose(config_name="ppo_trainer")
    report = {"estimators": estimators(), "configs": {}}
    for algorithm in algorithms:
        raw = yaml.safe_load((export_dir / f"{algorithm}.yaml").read_text())
        assert raw["hydra"]["searchpath"] == ["pkg://verl.trainer.config"], raw["hydra"]
        with tempfile.TemporaryDirectory() as tmp:
            raw["hydra"]["searchpath"] = [f"file://{CONFIGS}"]
            (Path(tmp) / f"{algorithm}.yaml").write_text(yaml.safe_dump(raw))
            with initialize_config_dir(tmp, version_base=None):
                composed = compose(config_name=algorithm)
        keys = flatten(raw)
        report["configs"][algorithm] = {
            "values": {k: OmegaConf.select(composed, k) for k in keys},
            "not_in_verl": [k for k in keys if not has_key(base, k)],
            "n_keys": len(flatten(OmegaConf.to_container(composed, resolve=False))),
        }
    print(json.dumps(report))


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
