"""The Ollama Modelfile written next to an exported GGUF: the chat template's framing as a Go template
(rendering the same prompt as training), the system text, stop tokens and the run's decoding settings."""

from __future__ import annotations

import pytest

from fakes import make_tokenizer
from medqa.export.ollama import MODELFILE, chat_framing, stop_tokens, write_modelfile
from medqa.prompt import Decoding, PromptTemplate

GEMMA_LIKE = (
    "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'system' %}"
    "{{ raise_exception('System role not supported') }}{% endif %}"
    "<start_of_turn>{{ 'model' if m['role'] == 'assistant' else m['role'] }}\n{{ m['content'] }}<end_of_turn>\n"
    "{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)


def _modelfile(tmp_path, tokenizer, template=None, decoding=None, add_bos=False) -> str:
    path = write_modelfile(
        tmp_path, "model.gguf", tokenizer, template or PromptTemplate(), decoding or Decoding(), 8192, add_bos
    )
    assert path == tmp_path / MODELFILE
    return path.read_text(encoding="utf-8")


def test_chatml_framing_renders_the_training_prompt(tmp_path):
    tokenizer, template = make_tokenizer(), PromptTemplate()
    framing = chat_framing(tokenizer, strip_bos=False)
    assert framing is not None
    assert framing.prompt(template.system, "What is asthma?") == template.render(tokenizer, "What is asthma?")
    text = _modelfile(tmp_path, tokenizer, template, Decoding(max_new_tokens=77, repetition_penalty=1.2))
    assert "FROM ./model.gguf\n" in text
    assert 'TEMPLATE """{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}' in text
    assert '{{ if eq .Role "user" }}<|im_start|>user\n{{ .Content }}<|im_end|>\n' in text
    assert f'SYSTEM """{template.system}"""' in text
    assert 'PARAMETER stop "<|im_end|>"' in text
    assert "PARAMETER num_predict 77\n" in text and "PARAMETER repeat_penalty 1.2\n" in text
    assert "PARAMETER num_ctx 4096\n" in text and "PARAMETER temperature 0\n" in text
    assert "medqa serve --backend openai" in text  # the note that Ollama alone has no retrieval or triage


def test_a_template_without_a_system_role_and_with_its_own_bos(tmp_path):
    tokenizer = make_tokenizer()
    tokenizer.chat_template = GEMMA_LIKE
    framing = chat_framing(tokenizer, strip_bos=True)  # llama.cpp adds the BOS: the template must not
    assert framing is not None and framing.system is None
    assert framing.user == ("<start_of_turn>user\n", "<end_of_turn>\n")
    assert framing.generation == "<start_of_turn>model\n"
    assert stop_tokens(tokenizer, framing) == ["<|im_end|>", "<end_of_turn>"]
    text = _modelfile(tmp_path, tokenizer, add_bos=True)
    assert "SYSTEM" not in text and "<s>" not in text and "{{ .System }}" not in text


def test_an_untranslatable_template_is_left_to_ollama(tmp_path):
    tokenizer = make_tokenizer()
    tokenizer.chat_template = (
        "{% for m in messages %}Turn {{ loop.index }} {{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
        "{% if add_generation_prompt %}assistant:{% endif %}"
    )
    assert chat_framing(tokenizer, strip_bos=False) is None
    text = _modelfile(tmp_path, tokenizer)
    assert "TEMPLATE" not in text.replace("# TEMPLATE", "") and "could not be translated" in text


@pytest.mark.parametrize("use_chat", [True, False])
def test_a_model_without_a_chat_template_gets_the_plain_layout(tmp_path, use_chat):
    tokenizer = make_tokenizer(chat=use_chat)
    template = PromptTemplate(use_chat_template=False)
    text = _modelfile(tmp_path, tokenizer, template)
    assert f'TEMPLATE """{template.system}\n\nQuestion: {{{{ .Prompt }}}}\nAnswer:"""' in text
    assert "SYSTEM" not in text
