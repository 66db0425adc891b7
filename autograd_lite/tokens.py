"""A character tokenizer: each character of the training texts is one token, plus BOS.

BOS ("beginning of sequence") marks where a text starts and, at the end, where it stops; it is
the last id, ``vocab_size − 1``, as in microgpt.

>>> tok = CharTokenizer.from_texts(["ab", "ba", "c"])
>>> tok.chars, tok.bos, tok.vocab_size
('abc', 3, 4)
>>> tok.encode("cab"), tok.encode("cab", bos=True)
([2, 0, 1], [3, 2, 0, 1, 3])
>>> tok.decode([3, 2, 0, 1, 3])
'cab'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ._common import is_int

__all__ = ["CharTokenizer"]


class CharTokenizer:
    """Characters to token ids and back.

    Args:
        chars: the characters of the vocabulary, each once; they get the ids 0, 1, 2, … in
            this order and BOS gets ``len(chars)``.
    """

    def __init__(self, chars: str) -> None:
        if not isinstance(chars, str) or not chars:
            raise ValueError(f"CharTokenizer: chars must be a non-empty str, got {chars!r:.60}")
        repeated = sorted({c for c in chars if chars.count(c) > 1})
        if repeated:
            raise ValueError(f"CharTokenizer: each character once, but {repeated!r} repeat")
        self.chars = chars
        self.bos = len(chars)
        """The id of the BOS token (the last id)."""
        self._ids = {c: i for i, c in enumerate(chars)}

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> CharTokenizer:
        """The tokenizer of every character that occurs in ``texts``, in sorted order."""
        if isinstance(texts, str):
            raise TypeError("CharTokenizer.from_texts takes a list of texts, got one str")
        items = list(texts)
        for i, text in enumerate(items):
            if not isinstance(text, str):
                raise TypeError(
                    f"CharTokenizer.from_texts: texts[{i}] must be a str, "
                    f"got {type(text).__name__} {text!r:.40}"
                )
        chars = "".join(sorted(set("".join(items))))
        if not chars:
            raise ValueError("CharTokenizer.from_texts: no characters (an empty list of texts?)")
        return cls(chars)

    @property
    def vocab_size(self) -> int:
        """The number of tokens: the characters and BOS."""
        return len(self.chars) + 1

    def encode(self, text: str, *, bos: bool = False) -> list[int]:
        """The ids of ``text``'s characters; with ``bos=True`` wrapped as [BOS] + ids + [BOS].

        >>> CharTokenizer("ab").encode("abc")
        Traceback (most recent call last):
            ...
        ValueError: CharTokenizer.encode: 'c' (at index 2 of 'abc') is not in the vocabulary 'ab'
        """
        if not isinstance(text, str):
            raise TypeError(f"CharTokenizer.encode: expects a str, got {type(text).__name__}")
        ids = []
        for i, c in enumerate(text):
            if c not in self._ids:
                raise ValueError(
                    f"CharTokenizer.encode: {c!r} (at index {i} of {text!r:.40}) is not in the "
                    f"vocabulary {self.chars!r:.80}"
                )
            ids.append(self._ids[c])
        return [self.bos, *ids, self.bos] if bos else ids

    def decode(self, ids: Sequence[int]) -> str:
        """The text of ``ids``; BOS tokens are left out."""
        out = []
        for i, t in enumerate(ids):
            if not is_int(t) or not 0 <= t < self.vocab_size:
                raise ValueError(
                    f"CharTokenizer.decode: ids[{i}] must be a token id in "
                    f"0..{self.vocab_size - 1}, got {t!r:.40}"
                )
            if t != self.bos:
                out.append(self.chars[t])
        return "".join(out)

    def __repr__(self) -> str:
        return f"CharTokenizer({self.chars!r}, vocab_size={self.vocab_size})"
