"""A small sentiment data set, generated from a seed (no download).

A vocabulary of word vectors, a third of them positive, a third negative, a third neutral. A sentence is T words;
its label is 1 when it holds more positive words than negative ones, else 0. X holds the sentences' word vectors,
(N, T, D); y their labels, (N,).
"""
import numpy as np


def make_sentiment_data(num_examples=100, T=6, D=8, vocabulary=24, seed=0):
    rng = np.random.default_rng(seed)
    words = rng.standard_normal((vocabulary, D))
    tone = np.arange(vocabulary) % 3  # 0 neutral, 1 positive, 2 negative
    sentences = rng.integers(0, vocabulary, size=(num_examples, T))
    positive = (tone[sentences] == 1).sum(axis=1)
    negative = (tone[sentences] == 2).sum(axis=1)
    y = (positive > negative).astype(np.int64)
    return words[sentences], y
