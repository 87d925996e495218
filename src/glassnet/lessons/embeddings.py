"""Words as vectors: one-hot, TF-IDF, Word2Vec (CBOW and skip-gram) and fastText.

A one-hot vector names a word and nothing more: any two words are equally far apart. TF-IDF
weighs a word in a document by how often it occurs there and how rare it is across the
documents, so the Korean particles 은/는/이/가/을/를, which nearly every sentence has, get a
small weight once the tokeniser splits them off. Word2Vec learns dense vectors from which
words stand near which: CBOW predicts a word from its neighbours, skip-gram the neighbours
from the word. fastText builds a word's vector from its character n-grams too, so a word it
never saw still gets one. Everything here is `glassnet.text`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from glassnet.text import (
    KOREAN_PARTICLES,
    FastText,
    TfidfVectorizer,
    Vocabulary,
    Word2Vec,
    korean_tokenize,
    one_hot,
    word_tokenize,
)

from ._lesson import Lesson

TITLE = ("단어 임베딩: 원-핫에서 fastText까지", "Word embeddings: from one-hot to fastText")
TUTORIALS = ("002",)
KOREAN = (
    "고양이는 생선을 좋아한다",
    "강아지는 공을 좋아한다",
    "고양이가 강아지를 쫓는다",
    "강아지가 고양이를 쫓는다",
    "아이는 학교에서 책을 읽는다",
    "아이가 공원에서 공을 찬다",
    "선생님은 학교에서 아이를 가르친다",
    "나는 도서관에서 책을 빌린다",
    "고양이는 창가에서 잠을 잔다",
    "선생님이 아이에게 책을 읽어 준다",
    "농부가 시장에서 사과를 판다",
    "엄마는 부엌에서 밥을 짓는다",
)
# Word2Vec's settings: CBOW makes one example per word, skip-gram one per (word, neighbour)
# pair, about 2·window times as many, so skip-gram gets half the epochs for a similar cost.
W2V = dict(vector_size=50, min_count=3, window=5, seed=0)
CBOW = dict(sg=0, alpha=0.05, epochs=10)
SKIP_GRAM = dict(sg=1, alpha=0.025, epochs=5)
FT = dict(sg=0, alpha=0.025, epochs=5, bucket=10_000, min_n=3, max_n=5)
# corpus -> (words whose neighbours are shown, words the corpus never has)
QUERIES = {
    "lee": (("government", "president", "fire"), ("governments", "policeman", "firefighting")),
    "built-in": (("cat", "bread", "school"), ("cats", "breads", "schools")),
}


def tfidf_korean(split_particles: bool = True) -> tuple[TfidfVectorizer, Any, list[str]]:
    """TF-IDF of the Korean sentences tokenised by `korean_tokenize` (tokens joined by spaces,
    then every non-blank run is a feature)."""
    docs = [" ".join(korean_tokenize(s, split_particles)) for s in KOREAN]
    vec = TfidfVectorizer(token_pattern=r"\S+")
    return vec, vec.fit_transform(docs), docs


def built_in_corpus(n: int = 3000, seed: int = 0) -> list[list[str]]:
    """Generated English sentences: animals, foods, places and people in fixed roles, so
    words of one kind share their neighbours (the fallback when gensim is not installed)."""
    rng = np.random.default_rng(seed)
    kinds = {
        "animal": ("cat", "dog", "horse", "cow", "sheep", "rabbit"),
        "food": ("bread", "rice", "apple", "cheese", "soup", "cake"),
        "place": ("school", "park", "city", "farm", "market", "garden"),
        "person": ("teacher", "doctor", "farmer", "child", "baker", "king"),
    }
    shapes = (
        ("the", "person", "feeds", "the", "animal", "some", "food"),
        ("a", "animal", "eats", "food", "in", "the", "place"),
        ("the", "person", "walks", "to", "the", "place"),
        ("people", "buy", "food", "at", "the", "place"),
        ("the", "person", "likes", "a", "animal", "and", "food"),
    )
    out = []
    for _ in range(n):
        shape = shapes[rng.integers(len(shapes))]
        out.append([str(rng.choice(kinds[w])) if w in kinds else w for w in shape])
    return out


def corpus() -> tuple[str, list[list[str]]]:
    """gensim's Lee background corpus (300 news stories, read via gensim.test.utils.datapath)
    tokenised by `word_tokenize`; without gensim, the built-in corpus."""
    try:
        from gensim.test.utils import datapath
    except ImportError:
        return "built-in", built_in_corpus()
    path = Path(datapath("lee_background.cor"))
    return "lee", [word_tokenize(line) for line in path.read_text(encoding="utf-8").splitlines()]


def neighbours(wv: Any, word: str, topn: int = 5) -> list[str]:
    """The `topn` words whose vectors point most nearly the same way as `word`'s."""
    return [w for w, _ in wv.most_similar(word, topn=topn)]


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """One-hot and TF-IDF on Korean sentences; Word2Vec and fastText on an English corpus."""
    L = Lesson("embeddings", TITLE, TUTORIALS, lang, plot_dir)
    tokens = [korean_tokenize(s) for s in KOREAN]
    vocab = Vocabulary().build(tokens)
    whole = Vocabulary().build(korean_tokenize(s, split_particles=False) for s in KOREAN)
    a, b = "고양이", "강아지"  # cat, dog
    forms = sorted(t for t in whole.itos if t.startswith(a))
    cat, dog = one_hot(a, vocab), one_hot(b, vocab)
    L.say(
        "한국어 문장 {n_docs}개를 조사를 떼어 토큰으로 나누면 어휘 {vocab}개 (떼지 않으면 "
        "'{a}'가 {forms} {n_forms}개 단어로 따로 셉니다). 원-핫 벡터는 길이 "
        "{vocab}에 1이 하나: '{a}'·'{b}' 내적 {dot:.0f}, 어떤 두 단어도 똑같이 멉니다.",
        "{n_docs} Korean sentences, cut into tokens with the particles split off, give a "
        "vocabulary of {vocab} (without splitting, '{a}' is counted as {n_forms} different "
        "words {forms}). A one-hot vector has length {vocab} and a single 1: "
        "'{a}'·'{b}' = {dot:.0f}; any two words are equally far apart.",
        n_docs=len(KOREAN),
        vocab=len(vocab),
        forms=forms,
        n_forms=len(forms),
        a=a,
        b=b,
        dot=float(cat @ dog),
    )
    vec, X, _ = tfidf_korean()
    idf = dict(zip(vec.get_feature_names_out(), vec.idf_))
    X = X.toarray()
    cols = vec.vocabulary_
    particles = [t for t in cols if t in KOREAN_PARTICLES]
    content = [t for t in cols if t not in KOREAN_PARTICLES]
    w_part = float(np.mean([X[:, cols[t]][X[:, cols[t]] > 0].mean() for t in particles]))
    w_cont = float(np.mean([X[:, cols[t]][X[:, cols[t]] > 0].mean() for t in content]))
    L.say(
        "TF-IDF: 조사 {particles}의 평균 가중치 {w_particles:.3f}, 내용어의 평균 {w_content:.3f}. "
        "'{neun}'은 문장 {df_neun}개에 나와 idf {idf_neun:.2f}, '{rare}'은 한 문장에만 나와 idf "
        "{idf_fish:.2f}: 어디에나 있는 말은 문서를 구별하지 못하므로 작게 셉니다.",
        "TF-IDF: the particles {particles} get a mean weight of {w_particles:.3f}, content "
        "words {w_content:.3f}. '{neun}' occurs in {df_neun} sentences, idf {idf_neun:.2f}; "
        "'{rare}' in one, idf {idf_fish:.2f}: a word found everywhere tells documents apart "
        "poorly, so it counts little.",
        particles=sorted(particles),
        w_particles=w_part,
        w_content=w_cont,
        df_neun=int((X[:, cols["는"]] > 0).sum()),
        idf_neun=float(idf["는"]),
        idf_fish=float(idf["생선"]),
        neun="는",
        rare="생선",
    )
    name, sentences = corpus()
    queries, unseen = QUERIES[name]
    cbow = Word2Vec(sentences, **W2V, **CBOW)
    sg = Word2Vec(sentences, **W2V, **SKIP_GRAM)
    near = {k: {w: neighbours(m.wv, w) for w in queries} for k, m in (("cbow", cbow), ("sg", sg))}
    L.say(
        "Word2Vec, 말뭉치 {corpus} (문장 {n_sentences}개, 단어 {n_words:,}개, 어휘 {w2v_vocab}개), "
        "벡터 {dim}차원, CBOW {ep_cbow} 에포크, skip-gram {ep_sg} 에포크 (예제가 약 2·창 크기배라 "
        "비슷한 계산량). 가장 가까운 단어 — CBOW: {near_cbow}; skip-gram: {near_sg}. 마지막 "
        "에포크 손실 CBOW {loss_cbow:.3f}, skip-gram {loss_sg:.3f}.",
        "Word2Vec on the corpus {corpus} ({n_sentences} sentences, {n_words:,} words, "
        "vocabulary {w2v_vocab}), {dim}-dimensional vectors, CBOW {ep_cbow} epochs, skip-gram "
        "{ep_sg} (about 2·window times the examples, so a similar cost). Nearest words — "
        "CBOW: {near_cbow}; skip-gram: {near_sg}. Last epoch's loss: CBOW {loss_cbow:.3f}, "
        "skip-gram {loss_sg:.3f}.",
        corpus=name if name == "built-in" else "gensim lee_background.cor",
        n_sentences=len(sentences),
        n_words=sum(map(len, sentences)),
        w2v_vocab=len(cbow.wv),
        dim=W2V["vector_size"],
        ep_cbow=CBOW["epochs"],
        ep_sg=SKIP_GRAM["epochs"],
        near_cbow=near["cbow"],
        near_sg=near["sg"],
        loss_cbow=cbow.history.history["loss"][-1],
        loss_sg=sg.history.history["loss"][-1],
    )
    ft = FastText(sentences, **W2V, **FT)
    missing = [w for w in unseen if w not in cbow.wv]
    oov = {w: neighbours(ft.wv, w, 3) for w in missing}
    L.say(
        "처음 보는 단어 {unseen}는 Word2Vec에 벡터가 없습니다. fastText는 글자 "
        "{min_n}~{max_n}-gram 벡터의 평균으로 만들어 줍니다. 가장 가까운 단어: {oov}.",
        "The unseen words {unseen} have no Word2Vec vector. fastText makes one from the mean "
        "of their character {min_n}- to {max_n}-grams' vectors. Nearest words: {oov}.",
        unseen=missing,
        min_n=FT["min_n"],
        max_n=FT["max_n"],
        oov=oov,
    )
    L.record(idf=idf, tfidf=X, near=near, models={"cbow": cbow, "sg": sg, "fasttext": ft})
    _plot(L, cbow, sg, queries)
    return L.result()


def _plot(L: Lesson, cbow: Word2Vec, sg: Word2Vec, queries: tuple[str, ...]) -> None:
    """Each query word and its neighbours on two principal components (`text.plot_words`)."""
    from glassnet.text.plot import plot_words

    for label, m in (("cbow", cbow), ("skip-gram", sg)):
        path = L.figure(f"words-{label}")
        if path is not None:
            words = dict.fromkeys(w for q in queries for w in [q, *neighbours(m.wv, q, 4)])
            plot_words(m.wv, list(words), path)
