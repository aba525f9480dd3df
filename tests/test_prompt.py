"""The one prompt template: exact label masks, truncation, rendering and persistence."""

from __future__ import annotations

import pytest

from fakes import make_tokenizer
from medqa.errors import MedqaError
from medqa.prompt import IGNORE_INDEX, MIN_ANSWER_TOKENS, Decoding, PromptTemplate, encode_examples, encode_prompt

QUESTION = "What is asthma?"
ANSWER = "Asthma is a disease of the airways that makes breathing hard."


@pytest.fixture(scope="module")
def chat_tok():
    return make_tokenizer(chat=True)


@pytest.fixture(scope="module")
def plain_tok():
    return make_tokenizer(chat=False)


def test_chat_mask_is_exactly_the_prompt(chat_tok):
    template = PromptTemplate()
    prompt_ids = encode_prompt(template, chat_tok, QUESTION)
    answer_ids = chat_tok(ANSWER + "<|im_end|>", add_special_tokens=False)["input_ids"]
    (example,) = encode_examples(template, chat_tok, [(QUESTION, ANSWER)], max_length=512)

    assert example.labels.count(IGNORE_INDEX) == len(prompt_ids)
    assert example.input_ids == prompt_ids + answer_ids  # training input = inference prompt + answer
    assert example.labels[len(prompt_ids) :] == answer_ids
    assert example.labels[-1] == chat_tok.convert_tokens_to_ids("<|im_end|>")  # the model learns to stop
    assert example.supervised_tokens == len(answer_ids)


def test_plain_layout_without_chat_template(plain_tok):
    template = PromptTemplate(system="")
    text = template.render(plain_tok, QUESTION)
    assert text == f"Question: {QUESTION}\nAnswer:"
    (example,) = encode_examples(template, plain_tok, [(QUESTION, ANSWER)], max_length=512)
    prompt_len = len(plain_tok(text)["input_ids"])
    assert example.labels.count(IGNORE_INDEX) == prompt_len
    assert example.labels[-1] == plain_tok.eos_token_id
    assert plain_tok.decode(example.labels[prompt_len:-1]) == " " + ANSWER


def test_seq2seq_puts_the_answer_in_the_labels_only():
    tok = make_tokenizer(chat=False, seq2seq=True)
    template = PromptTemplate()
    (example,) = encode_examples(template, tok, [(QUESTION, ANSWER)], max_length=512, seq2seq=True)
    assert IGNORE_INDEX not in example.labels
    assert example.input_ids == encode_prompt(template, tok, QUESTION, seq2seq=True)
    assert example.input_ids[-1] == tok.convert_tokens_to_ids("</s>")
    assert tok.decode(example.labels[:-1]) == ANSWER
    assert example.labels[-1] == tok.eos_token_id


def test_long_answer_is_cut_and_loses_its_end_marker(chat_tok):
    template = PromptTemplate()
    prompt_len = len(encode_prompt(template, chat_tok, QUESTION))
    long_answer = " ".join([ANSWER] * 20)
    (example,) = encode_examples(template, chat_tok, [(QUESTION, long_answer)], max_length=prompt_len + 30)
    assert len(example.input_ids) == prompt_len + 30
    assert example.supervised_tokens == 30
    assert example.labels[-1] != chat_tok.convert_tokens_to_ids("<|im_end|>")


def test_prompt_longer_than_the_budget_is_skipped(chat_tok):
    template = PromptTemplate()
    prompt_len = len(encode_prompt(template, chat_tok, QUESTION))
    short, fits = (
        encode_examples(
            template, chat_tok, [(QUESTION, ANSWER), (QUESTION, ANSWER)], max_length=prompt_len + MIN_ANSWER_TOKENS - 1
        ),
        encode_examples(template, chat_tok, [(QUESTION, ANSWER)], max_length=prompt_len + MIN_ANSWER_TOKENS),
    )
    assert short == [None, None]
    assert fits[0] is not None


def test_passages_are_numbered_and_history_kept(chat_tok, plain_tok):
    template = PromptTemplate()
    history = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]
    messages = template.messages(QUESTION, passages=["Asthma narrows airways.", "Inhalers help."], history=history)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert "[1] Asthma narrows airways.\n[2] Inhalers help." in messages[-1]["content"]
    assert messages[-1]["content"].endswith(f"Question: {QUESTION}")
    plain = template.render(plain_tok, QUESTION, passages=["P one"], history=history)
    assert "Question: Hi\n\nAnswer: Hello." in plain and "[1] P one" in plain and plain.endswith("Answer:")
    rendered = template.render(chat_tok, QUESTION, passages=["P one"])
    assert rendered.endswith("<|im_start|>assistant\n") and "[1] P one" in rendered


def test_save_and_load_round_trip(tmp_path):
    template = PromptTemplate(system="Be brief.", use_chat_template=False)
    path = template.save(tmp_path)
    assert path.name == "prompt.yaml"
    assert PromptTemplate.load(tmp_path) == template


def test_load_rejects_unknown_keys_and_missing_files(tmp_path):
    with pytest.raises(MedqaError, match="no prompt.yaml"):
        PromptTemplate.load(tmp_path)
    (tmp_path / "prompt.yaml").write_text("system: x\nstyle: chat\n", encoding="utf-8")
    with pytest.raises(MedqaError, match="unknown keys style"):
        PromptTemplate.load(tmp_path)


def test_answer_cap_cuts_at_a_sentence_end_and_keeps_the_end_marker(chat_tok):
    template = PromptTemplate()
    prompt_len = len(encode_prompt(template, chat_tok, QUESTION))
    first = len(chat_tok(ANSWER, add_special_tokens=False)["input_ids"])
    long_answer = " ".join([ANSWER] * 5)
    (example,) = encode_examples(template, chat_tok, [(QUESTION, long_answer)], 512, max_answer_tokens=first * 2 + 3)
    taught = chat_tok.decode(example.labels[prompt_len:])
    assert taught == f"{ANSWER} {ANSWER}<|im_end|>"  # two whole sentences, then the model learns to stop


def test_answer_cap_without_a_sentence_end_cuts_by_tokens(chat_tok):
    template = PromptTemplate()
    prompt_len = len(encode_prompt(template, chat_tok, QUESTION))
    run_on = " ".join(["breathing hard"] * 40)
    (example,) = encode_examples(template, chat_tok, [(QUESTION, run_on)], 512, max_answer_tokens=20)
    assert example.supervised_tokens == 20
    assert example.labels[-1] != chat_tok.convert_tokens_to_ids("<|im_end|>")
    (short,) = encode_examples(template, chat_tok, [(QUESTION, ANSWER)], 512, max_answer_tokens=200)
    assert chat_tok.decode(short.labels[prompt_len:]) == ANSWER + "<|im_end|>"  # within the cap: untouched


def test_decoding_settings_round_trip_and_default(tmp_path):
    assert Decoding.load(tmp_path) == Decoding() == Decoding.load(None) == Decoding.load("smollm2-135m")
    settings = Decoding(max_new_tokens=200, repetition_penalty=1.05)
    assert settings.save(tmp_path).name == "generation.yaml"
    assert Decoding.load(tmp_path) == settings
    (tmp_path / "generation.yaml").write_text("max_new_tokens: 0\n", encoding="utf-8")
    with pytest.raises(MedqaError, match="(?s)generation.yaml.*'max_new_tokens' must be in"):
        Decoding.load(tmp_path)
    (tmp_path / "generation.yaml").write_text("max_new_tokens: 32\nmin_new_tokens: 64\n", encoding="utf-8")
    with pytest.raises(MedqaError, match=r"(?s)generation.yaml.*'min_new_tokens' must be in 0..max_new_tokens \(32\)"):
        Decoding.load(tmp_path)
    (tmp_path / "generation.yaml").write_text("temperature: 0.3\n", encoding="utf-8")
    with pytest.raises(MedqaError, match="unknown keys temperature"):
        Decoding.load(tmp_path)
