"""`passbound verl export`: a benchmark's train split as verl parquet, the reward hook, and one
launch config per algorithm, for RLVR at cluster scale with passbound's verifiers as the reward.

verl (0.9) reads parquet rows of ``data_source``, ``prompt`` (a chat list), ``ability``,
``reward_model = {style, ground_truth}`` and ``extra_info``; it calls the function named by
``reward.custom_reward_function`` from worker threads. The rows here carry passbound's problem
identity in ``extra_info`` (``kind``, ``benchmark``, ``problem_id``), so the hook grades each
completion with the verifier ``passbound grade`` uses, code benchmarks included (their tests come
from the benchmark, not the parquet).

Each ``<algorithm>.yaml`` is a Hydra primary config over verl's own ``ppo_trainer`` (found on
the search path ``pkg://verl.trainer.config``), holding only what the algorithm changes; run it
with ``python -m verl.trainer.main_ppo --config-path DIR --config-name grpo``. The settings follow
the algorithms' papers and verl's example scripts:

* PPO (Schulman et al. 2017): GAE advantages with a critic, one rollout per prompt;
* GRPO (Shao et al. 2024): group-normalised advantages, KL as a loss term (low-variance k3);
* REINFORCE++ (Hu 2025): global-batch-normalised returns, KL in the loss;
* RLOO (Ahmadian et al. 2024): leave-one-out baseline, KL in the reward;
* ReMax (Li et al. 2024): the greedy rollout as the baseline, KL in the reward;
* DAPO (Yu et al. 2025): GRPO with clip-higher (0.2 / 0.28), token-mean loss, dynamic sampling
  (groups whose rewards are all equal are dropped and refilled) and an overlong-length penalty,
  no KL;
* pass@k (Chen et al. 2025) and PKPO (Walder & Karkhanis 2025), on request (``--algorithm passk``
  / ``pkpo`` with ``--k``): GRPO's settings with passbound's pass@k advantages (train/objectives.py)
  as the estimator ``passbound_passk_<k>`` / ``passbound_pkpo_<k>``, which every Ray worker
  registers by importing passbound.train.verl_advantage (named in the runtime environment's
  ``VERL_USE_EXTERNAL_MODULES``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from passbound.errors import ConfigError
from passbound.train.rewards import refuse_visible_tests
from passbound.train.verl_advantage import MODULE, estimator_name

ALGORITHMS = ("ppo", "grpo", "reinforce_plus_plus", "rloo", "remax", "dapo")
PASSK_ALGORITHMS = {"passk": "pass@k", "pkpo": "pkpo"}  # exported on request: they need passbound on every worker
# Keys verl's ppo_trainer does not declare but merges in: Ray's runtime environment (main_ppo.run_ppo
# merges ray_kwargs.ray_init.runtime_env over verl's defaults, env_vars included).
MERGED_BY_VERL = ("ray_kwargs.ray_init.runtime_env.env_vars.",)
# Keys verl's ppo_trainer does not declare but reads with .get: the DAPO reward manager's
# overlong buffer and response budget (verl/experimental/reward_loop/reward_manager/dapo.py).
READ_WITH_GET = ("reward.reward_kwargs.",)
REWARD_HOOK = '''"""verl reward hook written by `passbound verl export`: passbound's verifiers as the reward.

verl loads this file (reward.custom_reward_function.path) and calls compute_score from worker
threads; passbound must be importable in verl's environment (pip install passbound).
"""

from passbound.train.verl_reward import compute_score  # noqa: F401
'''


def algorithm_settings(name: str, *, group: int, kl: float, k: int = 4) -> dict[str, Any]:
    """The verl config keys an algorithm sets (dotted path -> value), beyond the shared ones."""
    if name in PASSK_ALGORITHMS:
        if not 1 <= k <= group:
            raise ConfigError(
                f"--k must be between 1 and --group ({group}): pass@k is estimated within each "
                f"group of rollouts; got {k}"
            )
        return {
            **algorithm_settings("grpo", group=group, kl=kl),
            "algorithm.adv_estimator": estimator_name(PASSK_ALGORITHMS[name], k),
            "ray_kwargs.ray_init.runtime_env.env_vars.VERL_USE_EXTERNAL_MODULES": MODULE,
        }
    kl_loss = {
        "actor_rollout_ref.actor.use_kl_loss": kl > 0,
        "actor_rollout_ref.actor.kl_loss_coef": kl,
        "actor_rollout_ref.actor.kl_loss_type": "low_var_kl",
        "algorithm.use_kl_in_reward": False,
    }
    kl_reward = {
        "actor_rollout_ref.actor.use_kl_loss": False,
        "algorithm.use_kl_in_reward": kl > 0,
        "algorithm.kl_ctrl.kl_coef": kl,
    }
    settings: dict[str, dict[str, Any]] = {
        "ppo": {
            "algorithm.adv_estimator": "gae",
            "actor_rollout_ref.rollout.n": 1,
            "actor_rollout_ref.actor.use_kl_loss": False,
            "algorithm.use_kl_in_reward": kl > 0,
            "algorithm.kl_ctrl.kl_coef": kl,
        },
        "grpo": {
            "algorithm.adv_estimator": "grpo",
            "algorithm.norm_adv_by_std_in_grpo": True,
            "actor_rollout_ref.rollout.n": group,
            **kl_loss,
        },
        "reinforce_plus_plus": {
            "algorithm.adv_estimator": "reinforce_plus_plus",
            "actor_rollout_ref.rollout.n": group,
            **kl_loss,
        },
        "rloo": {"algorithm.adv_estimator": "rloo", "actor_rollout_ref.rollout.n": group, **kl_reward},
        "remax": {"algorithm.adv_estimator": "remax", "actor_rollout_ref.rollout.n": group, **kl_reward},
        "dapo": {
            "algorithm.adv_estimator": "grpo",
            "actor_rollout_ref.rollout.n": group,
            "actor_rollout_ref.actor.use_kl_loss": False,
            "algorithm.use_kl_in_reward": False,
            "actor_rollout_ref.actor.clip_ratio_low": 0.2,
            "actor_rollout_ref.actor.clip_ratio_high": 0.28,
            "actor_rollout_ref.actor.loss_agg_mode": "token-mean",
            "algorithm.filter_groups.enable": True,
            "algorithm.filter_groups.metric": "acc",
            "algorithm.filter_groups.max_num_gen_batches": 10,
            "reward.reward_manager.name": "dapo",
        },
    }
    if name not in settings:
        raise ConfigError(
            f"unknown verl algorithm {name!r}; choose from {', '.join(ALGORITHMS + tuple(PASSK_ALGORITHMS))}"
        )
    return settings[name]


def launch_config(
    name: str,
    *,
    model: str,
    data_dir: Path,
    hook: Path,
    group: int,
    kl: float,
    prompt_length: int,
    response_length: int,
    batch_size: int,
    epochs: int,
    k: int = 4,
) -> dict[str, Any]:
    """The nested Hydra config of one algorithm's run (verl's ppo_trainer underneath)."""
    shared: dict[str, Any] = {
        "data.train_files": str(data_dir / "train.parquet"),
        "data.val_files": str(data_dir / "test.parquet"),
        "data.prompt_key": "prompt",
        "data.max_prompt_length": prompt_length,
        "data.max_response_length": response_length,
        "data.train_batch_size": batch_size,
        "actor_rollout_ref.model.path": model,
        "actor_rollout_ref.rollout.name": "vllm",
        "reward.custom_reward_function.path": str(hook),
        "reward.custom_reward_function.name": "compute_score",
        "trainer.project_name": "passbound",
        "trainer.experiment_name": f"{data_dir.name}-{name}",
        "trainer.total_epochs": epochs,
        "trainer.default_local_dir": str(data_dir / "checkpoints" / name),
    }
    if name == "ppo":
        shared["critic.model.path"] = model
    flat = {**shared, **algorithm_settings(name, group=group, kl=kl, k=k)}
    if name == "dapo":  # overlong shaping measured against the response budget (DAPO §3.4)
        flat.update(
            {
                "reward.reward_kwargs.overlong_buffer_cfg.enable": True,
                "reward.reward_kwargs.overlong_buffer_cfg.len": max(1, response_length // 4),
                "reward.reward_kwargs.overlong_buffer_cfg.penalty_factor": 1.0,
                "reward.reward_kwargs.overlong_buffer_cfg.log": False,
                "reward.reward_kwargs.max_resp_len": response_length,
            }
        )
    config: dict[str, Any] = {
        "hydra": {"searchpath": ["pkg://verl.trainer.config"]},
        "defaults": ["ppo_trainer", "_self_"],
    }
    for dotted, value in flat.items():
        node = config
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return config


def flatten(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted key -> value of a nested config (the Hydra ``hydra`` and ``defaults`` keys left out)."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        if not prefix and key in ("hydra", "defaults"):
            continue
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


def chat_prompt(rendered: Any) -> list[dict[str, str]]:
    """verl's ``prompt`` column is always chat messages: a raw-text template becomes one user turn."""
    if isinstance(rendered, str):
        return [{"role": "user", "content": rendered}]
    return [dict(m) for m in rendered]


def verl_rows(
    problems: Sequence[Any], template: Any, split: str, data_dir: str | None = None, allow_visible_tests: bool = False
) -> list[dict[str, Any]]:
    """verl's parquet rows: one user turn as the template renders it, the gold as ground truth;
    ``extra_info`` names the problem (and the local data folder, when it came from one) and, with
    ``allow_visible_tests``, carries the opt-in the reward hook needs for problems graded only on
    tests their prompt shows (refused otherwise, here and in the hook)."""
    refuse_visible_tests(problems, allowed=allow_visible_tests)
    opt_in = {"allow_visible_tests": True} if allow_visible_tests else {}
    rows = []
    for i, p in enumerate(problems):
        rows.append(
            {
                "data_source": p.benchmark,
                "prompt": chat_prompt(template.render(p)),
                "ability": "code" if p.kind == "code" else "math",
                "reward_model": {"style": "rule", "ground_truth": p.target},
                "extra_info": {
                    "kind": p.kind,
                    "benchmark": p.benchmark,
                    "problem_id": p.id,
                    "index": i,
                    "split": split,
                    "data_dir": data_dir,
                    **opt_in,
                },
            }
        )
    return rows


def export(
    benchmark: str,
    out: Path,
    *,
    model: str,
    template: str = "chat",
    data_dir: str | None = None,
    path: str | None = None,
    limit: int | None = None,
    algorithms: Sequence[str] = ALGORITHMS,
    group: int = 8,
    kl: float = 0.001,
    prompt_length: int = 1024,
    response_length: int = 2048,
    batch_size: int = 256,
    epochs: int = 1,
    options: dict[str, Any] | None = None,
    train_split: str = "train",
    test_split: str = "test",
    allow_visible_tests: bool = False,
    k: int = 4,
) -> dict[str, Path]:
    """Write train.parquet / test.parquet, reward.py and <algorithm>.yaml + .sh into ``out``.

    A split with problems graded only on tests their prompt shows is refused (VisibleTestsRefused)
    unless ``allow_visible_tests``."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import yaml

    from passbound.benchmarks import load_benchmark
    from passbound.prompts import get_template

    unknown = [a for a in algorithms if a not in ALGORITHMS and a not in PASSK_ALGORITHMS]
    if unknown:
        raise ConfigError(
            f"unknown verl algorithm(s) {', '.join(unknown)}; choose from "
            f"{', '.join(ALGORITHMS + tuple(PASSK_ALGORITHMS))}"
        )
    if group < 2:
        raise ConfigError(f"--group must be at least 2 (group-based advantages need two rollouts); got {group}")
    if any(a in PASSK_ALGORITHMS for a in algorithms) and not 1 <= k <= group:
        raise ConfigError(
            f"--k must be between 1 and --group ({group}): pass@k is estimated within each group of rollouts; got {k}"
        )
    out = out.expanduser().resolve()
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} is a file; give a folder for the export")
    tmpl = get_template(template)
    splits = {"train": train_split, "test": test_split}
    written: dict[str, Path] = {}
    out.mkdir(parents=True, exist_ok=True)
    for name, split in splits.items():
        try:
            loaded = load_benchmark(
                benchmark, path=path, data_dir=data_dir, limit=limit, split=split, options=dict(options or {})
            )
        except Exception as exc:  # a benchmark without a train split says so itself
            if name == "test":
                raise
            raise ConfigError(
                f"benchmark {benchmark!r} has no usable '{split}' split for training: {exc} "
                "(pick another with --train-split)"
            ) from exc
        if any(p.media for p in loaded.problems):
            raise ConfigError(f"benchmark {benchmark!r} shows images; the verl export writes text prompts only")
        table = pa.Table.from_pylist(
            verl_rows(
                loaded.problems, tmpl, split, str(Path(data_dir).resolve()) if data_dir else None, allow_visible_tests
            )
        )
        pq.write_table(table, out / f"{name}.parquet")
        written[f"{name}.parquet"] = out / f"{name}.parquet"
    hook = out / "reward.py"
    hook.write_text(REWARD_HOOK, encoding="utf-8")
    written["reward.py"] = hook
    for algorithm in algorithms:
        config = launch_config(
            algorithm,
            model=model,
            data_dir=out,
            hook=hook,
            group=group,
            kl=kl,
            prompt_length=prompt_length,
            response_length=response_length,
            batch_size=batch_size,
            epochs=epochs,
            k=k,
        )
        file = out / f"{algorithm}.yaml"
        file.write_text(
            f"# {algorithm} on {benchmark}, written by `passbound verl export`; over verl's ppo_trainer.\n"
            + yaml.safe_dump(config, sort_keys=False),
            encoding="utf-8",
        )
        script = out / f"{algorithm}.sh"
        script.write_text(
            "#!/usr/bin/env bash\n# verl's own trainer with this folder's config; extra Hydra overrides "
            "pass through.\nset -euo pipefail\nexec python3 -m verl.trainer.main_ppo "
            f"--config-path \"{out}\" --config-name {algorithm} \"$@\"\n",
            encoding="utf-8",
        )
        script.chmod(0o755)
        written[file.name], written[script.name] = file, script
    return written
