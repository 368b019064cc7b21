"""The course's data files: round trip, and one clear error per way a file can be wrong."""

import os
import pickle
import stat

import pytest
import torch

from grader.data import DataError, N2NData, export_course_data, load_course_data, load_data
from grader.data.course import read_pair


def _u8(*shape, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, shape, dtype=torch.uint8, generator=g)


def _write_course(folder, n_train=6, n_val=4):
    folder.mkdir(parents=True, exist_ok=True)
    torch.save((_u8(n_train, 3, 8, 8, seed=1), _u8(n_train, 3, 8, 8, seed=2)), folder / "train_data.pkl")
    torch.save((_u8(n_val, 3, 8, 8, seed=3), _u8(n_val, 3, 8, 8, seed=4)), folder / "val_data.pkl")
    return folder


def _bad_val(tmp_path, obj=None, raw: bytes | None = None):
    """A course folder whose val_data.pkl holds `obj` (or the bytes `raw`)."""
    folder = _write_course(tmp_path / "course")
    path = folder / "val_data.pkl"
    if raw is not None:
        path.write_bytes(raw)
    else:
        torch.save(obj, path)
    return folder, path


def test_round_trip_through_export(tmp_path):
    src = load_course_data(_write_course(tmp_path / "a"))
    assert src.info["source"].startswith("course:")
    export_course_data(src, tmp_path / "b")
    back = load_course_data(tmp_path / "b")
    for name in ("train_input", "train_target", "val_input", "val_target"):
        assert torch.equal(getattr(src, name), getattr(back, name))
    assert back.data_id == src.data_id
    assert stat.S_IMODE(os.stat(tmp_path / "b" / "val_data.pkl").st_mode) == 0o600  # it holds clean images


def test_load_data_with_folder_reads_the_course_files(tmp_path):
    d = load_data(_write_course(tmp_path / "c", n_train=5, n_val=3))
    assert isinstance(d, N2NData)
    assert d.train_input.shape == (5, 3, 8, 8) and d.val_target.shape == (3, 3, 8, 8)


def test_export_of_a_subset_writes_only_the_subset(tmp_path):
    d = load_course_data(_write_course(tmp_path / "a", n_train=50, n_val=20)).subset(2, 1)
    train_path, _ = export_course_data(d, tmp_path / "b")
    assert read_pair(train_path)[0].shape[0] == 2
    assert train_path.stat().st_size < 20_000  # not the parent tensors' whole storage


def test_missing_folder(tmp_path):
    with pytest.raises(DataError, match=r"nope: not a folder"):
        load_course_data(tmp_path / "nope")


def test_missing_file(tmp_path):
    folder = _write_course(tmp_path / "c")
    (folder / "val_data.pkl").unlink()
    with pytest.raises(DataError, match=r"val_data\.pkl: file not found \(expected a tuple \(noisy_imgs, clean_imgs\)"):
        load_course_data(folder)


def test_not_a_pickle(tmp_path):
    folder, _ = _bad_val(tmp_path, raw=b"this is a text file, not a pickle\n")
    with pytest.raises(DataError, match=r"val_data\.pkl: not a readable pickle/torch file"):
        load_course_data(folder)


def test_truncated_file(tmp_path):
    folder, path = _bad_val(tmp_path, (_u8(4, 3, 8, 8), _u8(4, 3, 8, 8)))
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(DataError, match=r"val_data\.pkl: not a readable pickle/torch file, corrupt or truncated"):
        load_course_data(folder)


class Sneaky:
    """Unpickling this creates a file: proof that a loader ran code from the data file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_arbitrary_python_objects_are_refused_without_running_them(tmp_path):
    marker = tmp_path / "code-ran"
    folder, _ = _bad_val(tmp_path, raw=pickle.dumps((Sneaky(marker), Sneaky(marker))))
    with pytest.raises(DataError, match=r"val_data\.pkl: refused for safety by torch\.load\(weights_only=True\)"):
        load_course_data(folder)
    assert not marker.exists()


def test_torch_saved_custom_object_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "code-ran"
    folder, path = _bad_val(tmp_path, raw=b"")
    torch.save((Sneaky(marker), Sneaky(marker)), path)
    with pytest.raises(DataError, match=r"val_data\.pkl: refused for safety by torch\.load\(weights_only=True\)"):
        load_course_data(folder)
    assert not marker.exists()


def test_not_a_tuple(tmp_path):
    folder, _ = _bad_val(tmp_path, {"noisy": _u8(4, 3, 8, 8)})
    with pytest.raises(DataError, match=r"val_data\.pkl: expected a tuple .* found a dict"):
        load_course_data(folder)


def test_wrong_number_of_tensors(tmp_path):
    folder, _ = _bad_val(tmp_path, (_u8(4, 3, 8, 8),) * 3)
    with pytest.raises(
        DataError,
        match=r"val_data\.pkl: expected exactly two tensors \(noisy_imgs, clean_imgs\), "
        r"found a tuple of 3 item",
    ):
        load_course_data(folder)


def test_item_not_a_tensor(tmp_path):
    folder, _ = _bad_val(tmp_path, (_u8(4, 3, 8, 8), [1, 2, 3]))
    with pytest.raises(DataError, match=r"val_data\.pkl: clean_imgs should be a uint8 tensor, found a list"):
        load_course_data(folder)


def test_wrong_dtype(tmp_path):
    folder, _ = _bad_val(tmp_path, (_u8(4, 3, 8, 8), _u8(4, 3, 8, 8).float()))
    with pytest.raises(
        DataError, match=r"val_data\.pkl: clean_imgs should have dtype torch\.uint8.*found torch\.float32"
    ):
        load_course_data(folder)


@pytest.mark.parametrize("shape", [(4, 8, 8), (4, 1, 8, 8), (4, 3, 8, 8, 1)])
def test_wrong_shape(tmp_path, shape):
    folder, _ = _bad_val(tmp_path, (_u8(*shape), _u8(*shape)))
    with pytest.raises(
        DataError,
        match=r"val_data\.pkl: noisy_imgs should have shape N×3×H×W .*found "
        + str(shape).replace("(", r"\(").replace(")", r"\)"),
    ):
        load_course_data(folder)


def test_unequal_shapes(tmp_path):
    folder, _ = _bad_val(tmp_path, (_u8(4, 3, 8, 8), _u8(5, 3, 8, 8)))
    with pytest.raises(
        DataError,
        match=r"noisy_imgs and clean_imgs should have equal shapes, "
        r"found \(4, 3, 8, 8\) and \(5, 3, 8, 8\)",
    ):
        load_course_data(folder)


def test_empty(tmp_path):
    folder, _ = _bad_val(tmp_path, (_u8(0, 3, 8, 8), _u8(0, 3, 8, 8)))
    with pytest.raises(DataError, match=r"val_data\.pkl: holds no images \(shape \(0, 3, 8, 8\)\)"):
        load_course_data(folder)


def test_errors_in_the_training_file_name_its_tensors(tmp_path):
    folder = _write_course(tmp_path / "c")
    torch.save((_u8(4, 3, 8, 8), _u8(4, 3, 8, 8).long()), folder / "train_data.pkl")
    with pytest.raises(DataError, match=r"train_data\.pkl: noisy_imgs_2 should have dtype torch\.uint8"):
        load_course_data(folder)


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)
