"""Pure helpers shared by the engines: request checks, stop truncation, vLLM CPU defaults, n caps."""

from __future__ import annotations

import pytest

from passbound.engines.base import check_request, render_chat, truncate_at_stop
from passbound.engines.openai import _n_cap_from_error
from passbound.engines.vllm import GiB, cpu_defaults, cpu_environment
from passbound.errors import ConfigError


def test_truncate_at_earliest_stop_string() -> None:
    assert truncate_at_stop("a\n\nb</s>c", ["</s>", "\n\n"]) == ("a", True)
    assert truncate_at_stop("no stop here", ["###"]) == ("no stop here", False)
    assert truncate_at_stop("x", None) == ("x", False)
    assert truncate_at_stop("x", [""]) == ("x", False)  # an empty stop string must not cut everything


@pytest.mark.parametrize("kwargs, fragment", [({"seeds": [1]}, "one seed per prompt"), ({"n": 0}, "n must be")])
def test_check_request_says_what_to_fix(kwargs: dict, fragment: str) -> None:
    """The per-call parts; the sampling settings are checked when built (test_generation_settings.py)."""
    with pytest.raises(ConfigError, match=fragment):
        check_request(["a", "b"], **{"n": 2, "seeds": [1, 2], **kwargs})


def test_check_request_rejects_malformed_messages() -> None:
    with pytest.raises(ConfigError, match="messages"):
        check_request([[{"content": "no role"}]], n=1, seeds=[0])


def test_render_chat_requires_a_template() -> None:
    class NoTemplate:
        chat_template = None

    assert render_chat(NoTemplate(), "raw text") == "raw text"
    with pytest.raises(ConfigError, match="chat template"):
        render_chat(NoTemplate(), [{"role": "user", "content": "hi"}])


def test_cpu_defaults_fill_gaps_but_keep_user_choices() -> None:
    filled = cpu_defaults({}, environ={})
    assert filled["enforce_eager"] is True
    assert filled["enable_chunked_prefill"] is False  # seeded sampling crashes with partial prefills on CPU
    assert filled["kv_cache_memory_bytes"] == 2 * GiB
    mine = cpu_defaults({"enforce_eager": False, "gpu_memory_utilization": 0.5}, environ={})
    assert mine["enforce_eager"] is False and "kv_cache_memory_bytes" not in mine
    assert "kv_cache_memory_bytes" not in cpu_defaults({}, environ={"VLLM_CPU_KVCACHE_SPACE": "4"})


def test_small_machines_reserve_no_core_for_the_scheduler() -> None:
    assert cpu_environment({}, cores=2) == {"VLLM_CPU_NUM_OF_RESERVED_CPU": "0", "VLLM_ENABLE_V1_MULTIPROCESSING": "0"}
    assert cpu_environment({}, cores=64) == {}  # vLLM's own default on large machines
    # the user's own binding wins
    assert cpu_environment({"VLLM_CPU_OMP_THREADS_BIND": "0-1"}, cores=2) == {"VLLM_ENABLE_V1_MULTIPROCESSING": "0"}
    assert cpu_environment({"VLLM_CPU_NUM_OF_RESERVED_CPU": "1"}, cores=2) == {"VLLM_ENABLE_V1_MULTIPROCESSING": "0"}
    assert cpu_environment({"VLLM_ENABLE_V1_MULTIPROCESSING": "1"}, cores=2) == {"VLLM_CPU_NUM_OF_RESERVED_CPU": "0"}


@pytest.mark.parametrize(
    "message, asked, cap",
    [
        ("Error code: 400 - n must be at most 2", 4, 2),
        ("'n' must be less than or equal to 8", 16, 8),
        ("Invalid value for 'n': must be between 1 and 128", 256, 128),
        ("n is too large for this model", 16, 8),  # no number given: halve
        ("max_tokens is too large", 16, None),  # about something else: not an n cap
        ("n must be at most 4", 1, None),  # cannot split a single sample
    ],
)
def test_n_cap_is_read_from_server_errors(message: str, asked: int, cap: int | None) -> None:
    assert _n_cap_from_error(Exception(message), asked) == cap
