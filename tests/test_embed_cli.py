"""`glassnet embed train|neighbors|plot`, and its errors: one line, exit 2, nothing written."""

from __future__ import annotations

import json

import pytest

from conftest import require
from glassnet.cli import main
from glassnet.text import KeyedVectors


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple:
    require("gensim")
    from gensim.test.utils import datapath

    folder = tmp_path_factory.mktemp("embed")
    with open(datapath("lee_background.cor"), encoding="utf-8") as f:
        (folder / "corpus.txt").write_text("".join(f.readlines()[:120]), encoding="utf-8")
    argv = ["embed", "train", "--corpus", str(folder / "corpus.txt"), "--sg", "1", "--epochs",
            "2", "--vector-size", "16", "--min-count", "3", "--verbose", "0", "--out",
            str(folder / "out")]  # fmt: skip
    assert main(argv) == 0
    return folder, folder / "out"


def test_train_writes_vectors_and_history(trained) -> None:
    _, out = trained
    wv = KeyedVectors.load_word2vec_format(out / "vectors.bin", binary=True)
    text = KeyedVectors.load_word2vec_format(out / "vectors.txt")
    assert wv.index_to_key == text.index_to_key and wv.vector_size == 16
    history = json.loads((out / "history.json").read_text())
    assert len(history["loss"]) == 2 and history["loss"][1] < history["loss"][0]


def test_neighbors_and_unknown_word(trained, capsys) -> None:
    _, out = trained
    assert main(["embed", "neighbors", str(out / "vectors.bin"), "police", "--topn", "3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and all("\t" in line for line in lines)
    assert main(["embed", "neighbors", str(out / "vectors.bin"), "polise"]) == 2
    err = capsys.readouterr().err
    assert "'polise' is not in the vocabulary" in err and "closest known words: police" in err


def test_plot(trained, capsys) -> None:
    require("matplotlib")
    _, out = trained
    assert main(["embed", "plot", str(out / "vectors.txt"), "police", "government", "said", "--out",
                 str(out / "words.png")]) == 0  # fmt: skip
    assert (out / "words.png").read_bytes()[:4] == b"\x89PNG"


def test_bad_corpus_and_vector_file(tmp_path, capsys) -> None:
    (tmp_path / "empty.txt").write_text("\n\n")
    assert (
        main(
            [
                "embed",
                "train",
                "--corpus",
                str(tmp_path / "empty.txt"),
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 2
    )
    assert "corpus is empty" in capsys.readouterr().err and not (tmp_path / "o").exists()
    (tmp_path / "rare.txt").write_text("a b c\nd e f\n")
    assert (
        main(
            ["embed", "train", "--corpus", str(tmp_path / "rare.txt"), "--out", str(tmp_path / "o")]
        )
        == 2
    )
    assert (
        "no word reaches min_count=5" in capsys.readouterr().err and not (tmp_path / "o").exists()
    )
    (tmp_path / "bad.txt").write_text("3 4\nword 1 2\n")
    assert main(["embed", "neighbors", str(tmp_path / "bad.txt"), "word"]) == 2
    assert "bad.txt" in capsys.readouterr().err
    assert main(["embed", "neighbors", str(tmp_path), "word"]) == 2
    assert "not a regular file" in capsys.readouterr().err
