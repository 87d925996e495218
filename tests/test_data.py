"""glassnet.data against scikit-learn: splits, scalers, one_hot, loaders, CSV."""

import re

import numpy as np
import pytest
from tests.conftest import require

import glassnet as gn
from glassnet.data import (
    CSVError,
    DataLoader,
    Dataset,
    MinMaxScaler,
    StandardScaler,
    TensorDataset,
    load_csv,
    one_hot,
    train_test_split,
    train_val_test_split,
)


def test_train_test_split_sizes_match_sklearn():
    ms = require("sklearn.model_selection")
    x, y = np.arange(103 * 2).reshape(103, 2), np.arange(103) % 3
    for ts in (0.2, 0.33, 7):
        ours = train_test_split(x, y, test_size=ts, random_state=0)
        ref = ms.train_test_split(x, y, test_size=ts, random_state=0)
        assert [len(a) for a in ours] == [len(a) for a in ref]
    xtr, xte, ytr, yte = train_test_split(x, y, random_state=1)
    assert sorted(np.concatenate([xtr[:, 0], xte[:, 0]]).tolist()) == x[:, 0].tolist()
    assert np.array_equal(xtr[:, 0] // 2 % 3, ytr)  # rows stay aligned
    a, b = train_test_split(np.arange(10), shuffle=False)
    assert a.tolist() == list(range(8)) and b.tolist() == [8, 9]


def test_stratified_split_matches_sklearn_class_counts():
    ms = require("sklearn.model_selection")
    rng = np.random.default_rng(0)
    y = rng.choice(4, size=211, p=[0.5, 0.3, 0.15, 0.05])
    x = np.arange(211)
    _, te, _, yte = train_test_split(x, y, test_size=0.25, stratify=y, random_state=0)
    _, rte, _, ryte = ms.train_test_split(x, y, test_size=0.25, stratify=y, random_state=0)
    assert len(te) == len(rte)
    np.testing.assert_allclose(
        np.bincount(yte, minlength=4), np.bincount(ryte, minlength=4), atol=1
    )


def test_train_val_test_split_is_60_20_20_and_disjoint():
    x = np.arange(500)
    tr, va, te = train_val_test_split(x, random_state=0)
    assert (len(tr), len(va), len(te)) == (300, 100, 100)
    assert len(set(tr) | set(va) | set(te)) == 500
    y = x % 5
    tr, va, te, ytr, yva, yte = train_val_test_split(x, y, stratify=y, random_state=0)
    assert np.bincount(yva).tolist() == [20] * 5 and np.array_equal(te % 5, yte)


def test_split_errors_name_the_problem():
    with pytest.raises(ValueError, match="test_size"):
        train_test_split(np.arange(5), test_size=1.5)
    with pytest.raises(ValueError, match="rows"):
        train_test_split(np.arange(5), np.arange(4))
    with pytest.raises(ValueError, match="per class"):
        train_test_split(np.arange(5), stratify=np.array([0, 0, 0, 0, 1]))


def test_scalers_match_sklearn():
    pre = require("sklearn.preprocessing")
    rng = np.random.default_rng(0)
    x = rng.normal(3, 2, (50, 4))
    x[:, 2] = 7.0  # a constant feature
    for ours, ref in (
        (StandardScaler(), pre.StandardScaler()),
        (MinMaxScaler((-1, 1)), pre.MinMaxScaler((-1, 1))),
    ):
        np.testing.assert_allclose(ours.fit_transform(x), ref.fit_transform(x), atol=1e-12)
        z = rng.normal(size=(5, 4))
        np.testing.assert_allclose(ours.transform(z), ref.transform(z), atol=1e-12)
        np.testing.assert_allclose(ours.inverse_transform(ours.transform(z)), z, atol=1e-12)
    with pytest.raises(ValueError, match="fitted on 4 features"):
        StandardScaler().fit(x).transform(x[:, :3])


def test_one_hot_matches_torch():
    torch = require("torch")
    y = np.array([2, 0, 1, 2])
    np.testing.assert_array_equal(one_hot(y), torch.nn.functional.one_hot(torch.tensor(y)))
    assert one_hot(y, 5).shape == (4, 5)
    with pytest.raises(ValueError, match="out of range"):
        one_hot(y, 2)


def test_dataloader_batches_shuffle_and_drop_last():
    x, y = np.arange(10, dtype=np.float32)[:, None], np.arange(10)
    dl = DataLoader(TensorDataset(x, y), batch_size=4)
    sizes = [len(b[1]) for b in dl]
    assert sizes == [4, 4, 2] and len(dl) == 3
    assert isinstance(next(iter(dl))[0], gn.Tensor)
    dl = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True, drop_last=True, generator=3)
    batches = list(dl)
    assert len(batches) == 2 == len(dl)
    seen = np.concatenate([b[1].numpy() for b in batches])
    assert len(set(seen.tolist())) == 8 and not np.array_equal(seen, np.arange(8))
    again = np.concatenate(
        [
            b[1].numpy()
            for b in DataLoader(
                TensorDataset(x, y), batch_size=4, shuffle=True, drop_last=True, generator=3
            )
        ]
    )
    assert np.array_equal(seen, again)  # same seed, same order
    for xb, yb in batches:
        np.testing.assert_array_equal(xb.numpy()[:, 0], yb.numpy())


def test_dataloader_over_a_map_style_dataset_collates_samples():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.float32(i), i * i

    xs, ys = zip(*[(a.numpy(), b.numpy()) for a, b in DataLoader(Squares(), batch_size=2)])
    assert np.concatenate(ys).tolist() == [0, 1, 4, 9, 16]
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(Squares(), batch_size=0)
    with pytest.raises(ValueError, match="same first dimension"):
        TensorDataset(np.zeros(3), np.zeros(4))


def test_load_csv(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("# comment\na,b,label\n1,2,cat\n3,4.5,dog\n\n5,6,cat\n")
    x, y = load_csv(p, target="label")
    np.testing.assert_array_equal(x, [[1, 2], [3, 4.5], [5, 6]])
    assert y.tolist() == [0, 1, 0] and x.dtype == np.float32
    p.write_text("a,b\n1,2\n3\n")
    with pytest.raises(CSVError, match="line 3 has 1 fields"):
        load_csv(p)
    p.write_text("a,b\n1,x\n")
    with pytest.raises(CSVError, match="'x' is not a number"):
        load_csv(p, target=None)
    with pytest.raises(CSVError, match="cannot read"):
        load_csv(tmp_path / "missing.csv")


def test_csv_without_a_header_keeps_its_first_row(tmp_path):
    from glassnet.data import has_header, looks_like_header

    p = tmp_path / "rows.csv"
    p.write_text("# raw rows\n5.1,3.5,1.4,0.2\n6.9,3.1,5.4,2.1\n")
    assert not has_header(p)
    x, y = load_csv(p, target=None, header=False)
    np.testing.assert_array_equal(x, np.float32([[5.1, 3.5, 1.4, 0.2], [6.9, 3.1, 5.4, 2.1]]))
    x, y = load_csv(p, target=-1, header=False)
    assert x.shape == (2, 3) and y.tolist() == np.float32([0.2, 2.1]).tolist()
    p.write_text("1,2\n3\n")
    with pytest.raises(CSVError, match="line 2 has 1 fields, the first line has 2"):
        load_csv(p, header=False)
    assert looks_like_header(["sl", "sw"]) and looks_like_header(["0", "1", "2"])  # pandas'
    assert not looks_like_header(["0", "1.5", "2"]) and not looks_like_header([" 1e3", "-2"])


# ----- load_csv on big and hostile files (issue 12, items 6, 9 and 12) ------------------------
@pytest.mark.timeout(60)  # classes.index per row took minutes for this many distinct labels
def test_load_csv_maps_200000_distinct_labels_in_linear_time(tmp_path):
    n = 200_000
    names = [f"c{(i * 7919) % n:06d}" for i in range(n)]  # every label once, shuffled
    p = tmp_path / "many.csv"
    p.write_text("a,label\n" + "".join(f"{i},{s}\n" for i, s in enumerate(names)))
    x, y = load_csv(p, target="label")
    assert y.dtype == np.int64 and x.shape == (n, 1)
    assert y.tolist() == [int(s[1:]) for s in names]  # class indices in sorted order


@pytest.mark.parametrize(
    "cell, says",
    [
        ("nan", "'nan' is not a finite number"),
        ("-inf", "'-inf' is not a finite number"),
        ("1e400", "'1e400' is not a finite number"),
        ("1e308", "'1e308' is not finite as float32"),  # fine as float64, inf as float32
        ("\u0661\u0662", "non-ASCII"),  # Arabic-Indic digits
        ("\uff11\uff12", "non-ASCII"),  # fullwidth digits
        ("1_000", "'_'"),
    ],
)
def test_load_csv_refuses_numbers_that_are_not_numbers(tmp_path, cell, says):
    p = tmp_path / "bad.csv"
    p.write_text(f"# a comment line\na,b,label\n1,2,0\n3,{cell},1\n", encoding="utf-8")
    with pytest.raises(CSVError, match=re.escape(says)) as e:
        load_csv(p)
    assert f"{p} line 4 column 2 ('b')" in str(e.value)
    p.write_text(f"a,b,label\n1,2,0\n3,4,{cell}\n", encoding="utf-8")  # in the target too
    with pytest.raises(CSVError, match=re.escape(f"{p} line 3 column 3 ('label')")):
        load_csv(p, target="label")


def test_load_csv_allows_nan_only_when_asked(tmp_path):
    p = tmp_path / "gaps.csv"
    p.write_text("a,b,label\n1,nan,0\n3,,1\n5,6,NaN\n")
    x, y = load_csv(p, allow_nan=True)
    np.testing.assert_array_equal(x, np.float32([[1, np.nan], [3, np.nan], [5, 6]]))
    assert np.isnan(y[2]) and y.dtype == np.float32
    p.write_text("a,b\n1,inf\n")
    with pytest.raises(CSVError, match="line 2 column 2 .* 'inf' is not a finite number"):
        load_csv(p, target=None, allow_nan=True)
    with pytest.raises(CSVError, match="'inf' is not a finite number"):
        load_csv(p, target=None, dtype=np.float64)


_PEAK = """
from glassnet.data import load_csv

def run(path):
    return load_csv(path, target="label")[0].shape[0] if path else 0
"""


def test_load_csv_memory_is_a_small_multiple_of_the_file(tmp_path):
    from tests.peak import measured

    rng = np.random.default_rng(0)
    p = tmp_path / "big.csv"
    rows = rng.normal(size=(200_000, 6)).round(4)
    with open(p, "w") as f:
        f.write("a,b,c,d,e,f,label\n")
        np.savetxt(f, np.column_stack([rows, np.arange(len(rows)) % 3]), fmt="%g", delimiter=",")
    size = p.stat().st_size / 2**20  # 9 MiB
    base, _, _ = measured(_PEAK, "")  # a fresh interpreter with glassnet imported
    peak, _, n = measured(_PEAK, str(p))
    assert n == "200000"
    assert peak - base < 2 * size + 24, f"{peak - base} MiB for a {size:.1f} MiB file"


def test_load_csv_names_the_physical_line_after_comments_and_blank_lines(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("# made by hand\n\na,b\n1,2\n\n# more\n3,x\n")
    with pytest.raises(CSVError, match=re.escape(f"{p} line 7 column 2 ('b'): 'x' is not")):
        load_csv(p, target=None)


def test_playground_upload_reads_numbers_as_load_csv_does():
    from glassnet.playground.csv import parse_csv

    rows = "".join(f"{i % 5},{i % 3},{i % 2}\n" for i in range(12))
    for cell, says in (("\u0661\u0662", "non-ASCII"), ("1_000", "'_'"), ("1e400", "finite")):
        with pytest.raises(ValueError, match=f"CSV line 13: .*{re.escape(says)}"):
            parse_csv(rows + f"1,{cell},0\n")
    data = parse_csv('# exported by hand\nx1,x2,label\n"0.5",1,1\n' + rows)
    assert len(data.points) == 13 and data.points[0].tolist() == [0.5, 1.0]


def test_load_csv_reads_the_same_in_any_block_size(tmp_path, monkeypatch):
    from glassnet.data import csv as gcsv

    p = tmp_path / "mixed.csv"
    p.write_bytes(
        (
            "\ufeffsl,sw,label\r\n"
            + "".join(f"{i}.5,{i % 4},{i}\r\n" for i in range(30))
            + '# a comment\n"3,5",2,"two\nlines"\n\n7,8,\ud55c\n'
        ).encode()
    )
    with pytest.raises(CSVError, match=r"line 33 column 1 \('sl'\): '3,5' is not a number"):
        load_csv(p)
    p.write_bytes(p.read_bytes().replace(b'"3,5"', b'"3.5"'))
    want = load_csv(p)
    assert want[0].shape == (32, 2) and want[1].max() == 31  # names after numbers: re-read
    for block in (1, 2, 3, 7, 64):
        monkeypatch.setattr(gcsv, "BLOCK", block)
        got = load_csv(p)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    monkeypatch.undo()
    p.write_text("a,b\n1," + "2" * (2 << 20) + "\n")
    with pytest.raises(CSVError, match="line 2: the row is longer than 1,048,576 characters"):
        load_csv(p)
    with pytest.raises(CSVError, match="/dev/zero line 1: the row is longer"):
        load_csv("/dev/zero")
