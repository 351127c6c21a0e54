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
        # Bounded; rows are only ever appended, so sharing between threads is safe.
        self._memo: dict[str, int] = {}
        self._sums = np.zeros((1024, DIMENSIONS), dtype=np.float32)
        self._counts = np.zeros(1024, dtype=np.float32)

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
                    self._memo = {}
                row = len(self._memo)
                if row >= len(self._sums):
                    grown = 2 * len(self._sums)
                    self._sums = np.resize(self._sums, (grown, DIMENSIONS))
                    self._counts = np.resize(self._counts, grown)
                ids = self._tokenizer.encode(" " + word, add_special_tokens=False).ids
                self._sums[row] = self._vectors[ids].sum(axis=0)
                self._counts[row] = len(ids)
                self._memo[word] = row
        return row

    def embed_words(self, groups: Sequence[Sequence[str]]) -> np.ndarray:
        """One row per group of lower-case words: the mean token vector (zeros if no word).

        Each word's token sum is memoised as a row of one matrix, so a batch of passages is
        one gather and one segmented sum, not a Python loop over words."""
        out = np.zeros((len(groups), DIMENSIONS), dtype=np.float32)
        memo = self._memo
        rows: list[int] = []
        offsets: list[int] = []
        kept: list[int] = []
        for n, words in enumerate(groups):
            own = [memo.get(w, -1) for w in words if w not in STOP_WORDS]
            if not own:
                continue
            if -1 in own:
                own = [self._row(w) for w in words if w not in STOP_WORDS]
            kept.append(n)
            offsets.append(len(rows))
            rows.extend(own)
        if not rows:
            return out
        index = np.fromiter(rows, dtype=np.intp, count=len(rows))
        sums = np.add.reduceat(self._sums[index], offsets, axis=0)
        counts = np.add.reduceat(self._counts[index], offsets)
        out[kept] = sums / counts[:, None]
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

    def similarities(self, groups: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """(best similarity per passage and code, all similarities): the first is passages x
        codes; the second passages x reference texts, for `closest`."""
        if not groups or not self.codes:
            return np.zeros((len(groups), len(self.codes))), np.zeros((len(groups), 0))
        vectors = _unit(self.model.embed_words(groups), self.centre)
        with _threads.limit(limits=1, user_api="blas"):
            sims = vectors @ self._matrix.T  # passages x all reference texts
        best = np.maximum.reduceat(sims, self._starts, axis=1)
        best[~np.any(vectors, axis=1)] = 0.0
        return best, sims

    def closest(self, sims: np.ndarray, row: int, code: str) -> int:
        """Index, among the code's reference texts, of the one closest to passage `row`."""
        part = sims[row, self._slices[code]]
        return int(part.argmax())
