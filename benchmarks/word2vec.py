"""Word2Vec on gensim's head500.noblanks.cor: glassnet vs gensim (workers=1 and 2).

Same corpus and parameters (min_count 3, --epochs, --sg); prints words/s (corpus words times
epochs over training seconds, CPU time beside it), the wordsim353 Spearman of each and, last,
glassnet's speed as a share of gensim's single worker. BLAS threads are limited to 1 so the
comparison is one core against one core (--threads to change). --seeds N repeats with seeds
1..N, glassnet and gensim in alternation (a neighbour that comes and goes slows both alike),
and prints the means of words/s and Spearman, the median of the per-seed speed ratios and
the load average of each round: the comparison of issue 17. `--backend numpy` times the
vectorised NumPy path instead of the compiled (Numba) one.
"""

from __future__ import annotations

import argparse
import statistics
import time

from gensim.models import FastText as GensimFastText
from gensim.models import Word2Vec as GensimWord2Vec
from gensim.models.word2vec import LineSentence
from gensim.test.utils import datapath
from threadpoolctl import threadpool_limits

from glassnet.text import FastText, Word2Vec


def run(make, seed: int, words: int, epochs: int) -> tuple[float, float, float]:
    """(words/s by wall clock, words/s by CPU time, wordsim353 Spearman) of one training run."""
    wall, cpu = time.perf_counter(), time.process_time()
    model = make(seed)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    spearman = model.wv.evaluate_word_pairs(datapath("wordsim353.tsv"))[1][0]
    return words * epochs / wall, words * epochs / cpu, spearman


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sg", type=int, default=0)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--seeds", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--fasttext", action="store_true", help="compare FastText instead")
    p.add_argument("--bucket", type=int, default=2000000, help="FastText's n-gram buckets")
    p.add_argument("--backend", default=None, help="glassnet's backend: numba (default) or numpy")
    p.add_argument("--skip-gensim-2", action="store_true", help="leave out gensim workers=2")
    a = p.parse_args()
    sentences = list(LineSentence(datapath("head500.noblanks.cor")))
    words = sum(map(len, sentences))
    common = dict(sg=a.sg, min_count=3, epochs=a.epochs)
    if a.fasttext:
        common["bucket"] = a.bucket
    ours_cls, theirs_cls = (FastText, GensimFastText) if a.fasttext else (Word2Vec, GensimWord2Vec)
    runs = {
        "glassnet": lambda seed: ours_cls(
            sentences, seed=seed, batch_size=a.batch_size, backend=a.backend, **common
        )
    }
    runs["gensim workers=1"] = lambda seed: theirs_cls(sentences, seed=seed, workers=1, **common)
    if not a.skip_gensim_2:
        runs["gensim workers=2"] = lambda seed: theirs_cls(
            sentences, seed=seed, workers=2, **common
        )
    print(f"{ours_cls.__name__} sg={a.sg} epochs={a.epochs} on {words} words, {a.seeds} seed(s)")
    ours_cls(sentences[:20], min_count=1, epochs=1, backend=a.backend)  # JIT compile / cache
    rows: dict[str, list] = {name: [] for name in runs}
    with threadpool_limits(a.threads):
        for seed in range(1, a.seeds + 1):  # the runs of one seed, in alternation
            for name, make in runs.items():
                rows[name].append(run(make, seed, words, a.epochs))
            print(f"seed {seed}: load average {open('/proc/loadavg').read().split()[:3]}")
    results = {}
    for name, r in rows.items():
        results[name] = [statistics.mean(col) for col in zip(*r)]
        spread = statistics.pstdev([x[2] for x in r])
        w, c, sp = results[name]
        print(
            f"{name:18s} {w:10.0f} words/s (CPU {c:10.0f})  "
            f"wordsim353 Spearman {sp:.3f} ± {spread:.4f}"
        )
    ours, theirs = results["glassnet"], results["gensim workers=1"]
    print(f"Spearman difference glassnet - gensim: {ours[2] - theirs[2]:+.3f}")
    wall = statistics.median(
        x[0] / y[0] for x, y in zip(rows["glassnet"], rows["gensim workers=1"])
    )
    cpu = statistics.median(x[1] / y[1] for x, y in zip(rows["glassnet"], rows["gensim workers=1"]))
    print(
        f"speed glassnet / gensim workers=1 (median of {a.seeds}): {wall:.2f} (CPU time: {cpu:.2f})"
    )


if __name__ == "__main__":
    main()
