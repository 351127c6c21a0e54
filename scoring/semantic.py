"""The semantic signal: how close in meaning a passage is to a priority's own strategy text.

A static word-embedding model (wordllama "l2_supercat", 256 dimensions) whose weights ship inside
its PyPI wheel: it is loaded from the package's own folder with downloads disabled, so it never
touches the network, once per process and only when first needed. A passage's vector is the mean
of its words' token vectors (stop words left out); vectors are centred on the mean of the
strategy's sentences, so that what every anti-trafficking text shares ("victims", "trafficking")
does not make every priority look close, and compared by cosine.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

DIMENSIONS = 256
_MEMO_LIMIT = 200_000

STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "may",
        "might",
        "must",
        "no",
        "nor",
        "not",
        "of",
        "on",
        "or",
        "our",
        "ours",
        "she",
        "should",
        "so",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "upon",
        "us",
        "very",
        "via",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "you",
        "your",
        "also",
        "all",
        "any",
        "each",
        "more",
        "most",
        "other",
        "only",
        "own",
        "same",
        "both",
        "either",
        "about",
        "above",
        "after",
        "again",
        "against",
        "before",
        "below",
        "between",
        "during",
        "further",
        "here",
        "how",
        "once",
        "out",
        "over",
    ]
)

_lock = threading.Lock()
_model: SemanticModel | None = None
# The products here are small (a proposal's passages x a call's reference texts): BLAS threads
# cost more to wake than they save, and on a busy machine far more (37 ms against 0.8 ms
# measured under load), so each product runs on one thread.
_threads = ThreadpoolController()


class SemanticModel:
    """Word vectors from the wordllama wheel, and passage vectors built from them."""

    def __init__(self, vectors: np.ndarray, tokenizer: Any) -> None:
        self._vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._tokenizer = tokenizer
        # word -> row of `_sums` (the sum of its token vectors; `_counts`: how many tokens).
        # Bounded; rows are only ever appended, so sharing between threads is safe. Row 0 is
        # zeros with a count of 0, and every stop word points at it: a stop word then adds
        # nothing to a passage's sum or count, with no test per word.
        self._memo: dict[str, int] = {}
        self._sums = np.zeros((1024, DIMENSIONS), dtype=np.float32)
        self._counts = np.zeros(1024, dtype=np.float32)
        self._reset_memo()

    def _reset_memo(self) -> None:
        self._memo = dict.fromkeys(STOP_WORDS, 0)
        self._next = 1

    @classmethod
    def load(cls) -> SemanticModel:
        """Load the weights shipped in the wordllama package; never downloads anything."""
        import wordllama

        folder = Path(wordllama.__file__).resolve().parent
        inference = wordllama.WordLlama.load(
            "l2_supercat", cache_dir=folder, disable_download=True, dim=DIMENSIONS
        )
        return cls(inference.embedding, inference.tokenizer)

    def _row(self, word: str) -> int:
        row = self._memo.get(word)
        if row is None:
            with _lock:
                if len(self._memo) >= _MEMO_LIMIT:
                    self._reset_memo()
                row = self._next
                if row >= len(self._sums):
                    grown = 2 * len(self._sums)
                    self._sums = np.resize(self._sums, (grown, DIMENSIONS))
                    self._counts = np.resize(self._counts, grown)
                ids = self._tokenizer.encode(" " + word, add_special_tokens=False).ids
                self._sums[row] = self._vectors[ids].sum(axis=0)
                self._counts[row] = len(ids)
                self._memo[word] = row
                self._next = row + 1
        return row

    def embed_words(self, groups: Sequence[Sequence[str]]) -> np.ndarray:
        """One row per group of lower-case words: the mean token vector (zeros if no word).

        Each word's token sum is memoised as a row of one matrix, so a batch of passages is
        one look-up of all its words, one gather and one segmented sum, not a Python loop over
        words."""
        words = [w for group in groups for w in group]
        lengths = [len(group) for group in groups]
        return self.embed_flat(words, lengths)

    def embed_flat(self, words: Sequence[str], lengths: Sequence[int]) -> np.ndarray:
        """`embed_words` of groups given as all their words in order and each group's length."""
        out = np.zeros((len(lengths), DIMENSIONS), dtype=np.float32)
        if not words:
            return out
        try:
            index = np.fromiter(map(self._memo.get, words), dtype=np.intp, count=len(words))
        except TypeError:  # a word not met before (None): work out its row and keep it
            index = np.fromiter(map(self._row, words), dtype=np.intp, count=len(words))
        group = np.repeat(np.arange(len(lengths)), lengths)
        content = index.nonzero()[0]  # stop words (row 0) add nothing: leave them out
        index = index[content]
        group = group[content]
        counts = np.bincount(group, weights=self._counts[index], minlength=len(lengths))
        gathered = self._sums[index]
        # One contiguous sum per group: several times faster here than np.add.reduceat over
        # rows (measured on the 86 passages of a 15 KB text).
        bounds = np.searchsorted(group, np.arange(len(lengths) + 1)).tolist()
        for n in (counts > 0).nonzero()[0].tolist():
            np.add.reduce(gathered[bounds[n] : bounds[n + 1]], axis=0, out=out[n])
        some = counts > 0
        out[some] /= counts[some, None].astype(np.float32)
        return out


def model() -> SemanticModel:
    """The process's model, loaded on first use (about half a second) and kept."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = SemanticModel.load()
    return _model


def _unit(rows: np.ndarray, centre: np.ndarray) -> np.ndarray:
    centred = rows - centre
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return centred / norms


class PriorityTexts:
    """Each priority's strategy sentences as centred unit vectors, built once per code set."""

    def __init__(
        self,
        texts: Mapping[str, Sequence[Sequence[str]]],
        corpus: Iterable[Sequence[str]],
        embedder: SemanticModel | None = None,
    ) -> None:
        self.model = embedder or model()
        corpus_rows = self.model.embed_words(list(corpus))
        self.centre = corpus_rows.mean(axis=0) if len(corpus_rows) else np.zeros(DIMENSIONS)
        self.codes = tuple(code for code in texts if texts[code])
        rows = []
        self._slices: dict[str, slice] = {}
        for code in self.codes:
            vectors = self.model.embed_words(list(texts[code]))
            self._slices[code] = slice(len(rows), len(rows) + len(vectors))
            rows.extend(vectors)
        matrix = np.array(rows, dtype=np.float32).reshape(-1, DIMENSIONS)
        self._matrix = _unit(matrix, self.centre) if len(matrix) else matrix
        self._starts = np.array([self._slices[c].start for c in self.codes], dtype=np.intp)
        # the reference vectors as columns, laid out once: the product with a proposal's
        # passages then reads them in order (the same products, measured a fifth faster)
        self._columns = np.ascontiguousarray(self._matrix.T)

    def similarities(self, groups: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """(best similarity per passage and code, all similarities): the first is passages x
        codes; the second passages x reference texts, for `closest`."""
        return self.similarities_flat([w for g in groups for w in g], [len(g) for g in groups])

    def similarities_flat(
        self, words: Sequence[str], lengths: Sequence[int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """`similarities` of passages given as all their words in order and each one's length."""
        if not lengths or not self.codes:
            return np.zeros((len(lengths), len(self.codes))), np.zeros((len(lengths), 0))
        vectors = _unit(self.model.embed_flat(words, lengths), self.centre)
        with _threads.limit(limits=1, user_api="blas"):
            sims = vectors @ self._columns  # passages x all reference texts
        best = np.maximum.reduceat(sims, self._starts, axis=1)
        best[~np.any(vectors, axis=1)] = 0.0
        return best, sims

    def closest(self, sims: np.ndarray, row: int, code: str) -> int:
        """Index, among the code's reference texts, of the one closest to passage `row`."""
        part = sims[row, self._slices[code]]
        return int(part.argmax())

    def closest_many(self, sims: np.ndarray, rows: Sequence[int], code: str) -> list[int]:
        """`closest` of each of `rows`, in their order, in one argmax."""
        return sims[rows, self._slices[code]].argmax(axis=1).tolist()
