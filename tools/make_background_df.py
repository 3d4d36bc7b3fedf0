"""Write the background document frequencies a new desk starts from (cold start).

A fresh desk has seen a handful of articles, so online document frequencies weigh every
word alike and three outlets reporting one award in their own words look unrelated. This
ships what a mature desk would have learned: for the 50,000 most frequent English words,
the share of news-length documents (``DOC_WORDS`` words) expected to contain the word,
``1 - exp(-DOC_WORDS * frequency)``, from wordfreq's corpus frequencies. Numbers are left
out: specific figures are evidence of one event and keep their full weight.

Run once to regenerate (needs ``pip install wordfreq``, which is not a runtime dependency):
``python tools/make_background_df.py``. wordfreq's data is CC BY-SA 4.0; see
``src/quorum/data/background/README.md``.
"""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import wordfreq

WORDS = 50_000
DOC_WORDS = 400  # a short news article
OUT = Path(__file__).resolve().parent.parent / "src/quorum/data/background/word_doc_freq.tsv.gz"


def main() -> None:
    rows = []
    for word in wordfreq.top_n_list("en", WORDS * 2):
        if not word.isalpha() or len(word) < 2:
            continue
        freq = wordfreq.word_frequency(word, "en")
        rows.append(f"{word}\t{1.0 - math.exp(-DOC_WORDS * freq):.4g}")
        if len(rows) == WORDS:
            break
    text = f"# wordfreq en; doc_words={DOC_WORDS}\n" + "\n".join(rows) + "\n"
    OUT.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{len(rows)} words -> {OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
