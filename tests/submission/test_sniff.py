"""sniff_format recognizes the formats real checkpoints come in, from bytes alone."""

import pickle

import pytest

from grader.submission.sniff import parse_lfs_pointer, sniff_format

LFS = (
    b"version https://git-lfs.github.com/spec/v1\n"
    b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
    b"size 1234567\n"
)


def test_real_torch_formats(tmp_path):
    torch = pytest.importorskip("torch")
    state = {"conv.weight": torch.ones(2, 3, 3, 3), "conv.bias": torch.zeros(2)}
    torch.save(state, tmp_path / "new.pth")
    torch.save(state, tmp_path / "old.pth", _use_new_zipfile_serialization=False)
    with open(tmp_path / "plain.pkl", "wb") as f:
        pickle.dump({"w": [1.0, 2.0]}, f)
    assert sniff_format(tmp_path / "new.pth") == "torch-zip"
    assert sniff_format(tmp_path / "old.pth") == "torch-legacy"
    assert sniff_format(tmp_path / "plain.pkl") == "pickle"
    # A torch.save file cut short (an interrupted upload) no longer reads as a zip.
    data = (tmp_path / "new.pth").read_bytes()
    (tmp_path / "cut.pth").write_bytes(data[: len(data) // 2])
    assert sniff_format(tmp_path / "cut.pth") == "zip-corrupt"


@pytest.mark.parametrize(
    "content,expected",
    [
        (b"", "empty"),
        (LFS, "lfs-pointer"),
        (b"%PDF-1.7\n...", "pdf"),
        (b"  <!DOCTYPE html><html><body>Sign in</body></html>", "html"),
        (b"<HTML>", "html"),
        (b"just some notes\n", "text"),
        (b"\x00\x01\x02\xff\xfe", "unknown"),
        (b"\x80\x04\x95", "pickle"),
    ],
)
def test_formats_from_bytes(tmp_path, content, expected):
    (tmp_path / "f").write_bytes(content)
    assert sniff_format(tmp_path / "f") == expected


def test_lfs_pointer_fields():
    pointer = parse_lfs_pointer(LFS)
    assert pointer.oid == "sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393"
    assert pointer.size == 1234567
    assert parse_lfs_pointer(b"version https://git-lfs.github.com/spec/v1\n").size is None
    assert parse_lfs_pointer(b"PK\x03\x04") is None
