"""Text: tokenisers, a vocabulary, one-hot, counts and TF-IDF, Word2Vec and FastText.

from glassnet.text import TfidfVectorizer, Word2Vec
X = TfidfVectorizer().fit_transform(documents)   # scipy.sparse, equal to scikit-learn's
model = Word2Vec(sentences, sg=1)                # gensim's names and defaults
model.wv.most_similar("king")
"""

from .tokenize import (
    KOREAN_PARTICLES,
    WORD_PATTERN,
    Vocabulary,
    korean_tokenize,
    one_hot,
    whitespace_tokenize,
    word_tokenize,
)
from .vectorize import CountVectorizer, TfidfVectorizer

__all__ = [
    "KOREAN_PARTICLES",
    "WORD_PATTERN",
    "CountVectorizer",
    "TfidfVectorizer",
    "Vocabulary",
    "korean_tokenize",
    "one_hot",
    "whitespace_tokenize",
    "word_tokenize",
]
