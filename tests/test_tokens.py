"""The character tokenizer and the names data set."""

from __future__ import annotations

import pytest

from autograd_lite.datasets import NAMES_LICENSE, load_names
from autograd_lite.tokens import CharTokenizer


def test_names_are_makemores_with_their_licence() -> None:
    names = load_names()
    assert len(names) == 32033
    assert names[:3] == ["emma", "olivia", "ava"]
    assert all(name and name == name.strip() for name in names)
    licence = NAMES_LICENSE.read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "Copyright (c) 2022 Andrej Karpathy" in licence


def test_the_tokenizer_of_the_names_is_microgpts() -> None:
    tok = CharTokenizer.from_texts(load_names())
    assert tok.chars == "abcdefghijklmnopqrstuvwxyz"
    assert (tok.bos, tok.vocab_size) == (26, 27)
    assert tok.encode("emma", bos=True) == [26, 4, 12, 12, 0, 26]
    assert tok.decode(tok.encode("emma", bos=True)) == "emma"
    assert repr(tok) == "CharTokenizer('abcdefghijklmnopqrstuvwxyz', vocab_size=27)"


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda t: t.encode("abd"),
            ValueError,
            r"'d' \(at index 2 of 'abd'\) is not in the vocabulary 'abc'",
        ),
        (lambda t: t.encode(3), TypeError, r"encode: expects a str, got int"),
        (lambda t: t.decode([0, 4]), ValueError, r"ids\[1\] must be a token id in 0\.\.3, got 4"),
        (lambda t: t.decode([True]), ValueError, r"ids\[0\] must be a token id"),
    ],
)
def test_bad_tokens(call, error, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        call(CharTokenizer("abc"))


def test_bad_vocabularies() -> None:
    with pytest.raises(ValueError, match=r"no characters \(an empty list of texts\?\)"):
        CharTokenizer.from_texts([])
    with pytest.raises(TypeError, match=r"takes a list of texts, got one str"):
        CharTokenizer.from_texts("emma")
    with pytest.raises(TypeError, match=r"texts\[1\] must be a str, got int"):
        CharTokenizer.from_texts(["a", 1])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"each character once, but \['a'\] repeat"):
        CharTokenizer("aba")
