"""Text: tokenisers, a vocabulary, one-hot, counts and TF-IDF, Word2Vec and FastText.

from glassnet.text import TfidfVectorizer, Word2Vec
X = TfidfVectorizer().fit_transform(documents)   # scipy.sparse, equal to scikit-learn's
model = Word2Vec(sentences, sg=1)                # gensim's names and defaults
model.wv.most_similar("king")
"""

from .fasttext import FastText, FastTextKeyedVectors, char_ngrams, ft_hash
from .keyedvectors import KeyedVectors, VectorFileError
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
from .word2vec import Word2Vec, negative_sampling_loss, sgd_step

__all__ = [
    "KOREAN_PARTICLES",
    "WORD_PATTERN",
    "CountVectorizer",
    "FastText",
    "FastTextKeyedVectors",
    "KeyedVectors",
    "TfidfVectorizer",
    "VectorFileError",
    "Word2Vec",
    "negative_sampling_loss",
    "sgd_step",
    "Vocabulary",
    "char_ngrams",
    "ft_hash",
    "korean_tokenize",
    "one_hot",
    "whitespace_tokenize",
    "word_tokenize",
]
