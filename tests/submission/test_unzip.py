"""safe_extract against hostile archives built here with zipfile; each refusal names its entry."""

import io
import os
import stat
import struct
import zipfile
import zlib

import pytest

from grader.submission import SubmissionError, safe_extract
from grader.submission.limits import MiB
from grader.submission.unzip import copy_bounded


def make_zip(path, entries, compression=zipfile.ZIP_DEFLATED):
    """Write `entries` (name or ZipInfo -> bytes) into a zip at `path`."""
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def unix_entry(name, mode):
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = mode << 16
    return info


def test_extracts_a_normal_zip(tmp_path):
    info = unix_entry("Proj/Miniproject_2/run.sh", stat.S_IFREG | 0o4777)  # setuid, world-writable
    zip_path = make_zip(
        tmp_path / "ok.zip", {"Proj/Miniproject_2/model.py": b"x = 1\n", "Proj/empty/": b"", info: b"echo hi\n"}
    )
    dest = tmp_path / "out"
    report = safe_extract(zip_path, dest)
    assert (dest / "Proj/Miniproject_2/model.py").read_bytes() == b"x = 1\n"
    assert (dest / "Proj/empty").is_dir()
    assert stat.S_IMODE(os.stat(dest / "Proj/Miniproject_2/run.sh").st_mode) == 0o644
    assert (report.files, report.total_bytes, report.skipped) == (2, 14, [])


@pytest.mark.parametrize(
    "name",
    [
        "../evil.txt",
        "a/../../evil.txt",
        "..\\evil.txt",
        "a\\..\\..\\evil.txt",
    ],
)
def test_refuses_climbing_out(tmp_path, name):
    zip_path = make_zip(tmp_path / "z.zip", {"ok.txt": b"fine", name: b"boo"})
    dest = tmp_path / "out" / "deep"
    with pytest.raises(SubmissionError, match="climbs out") as err:
        safe_extract(zip_path, dest)
    assert repr(name) in str(err.value) or ascii(name) in str(err.value)
    assert not (tmp_path / "out" / "evil.txt").exists() and not (tmp_path / "evil.txt").exists()
    assert not dest.exists()  # names are all checked before anything is written


@pytest.mark.parametrize(
    "name,why",
    [
        ("/etc/evil.txt", "absolute path"),
        ("\\evil.txt", "absolute path"),
        ("C:/evil.txt", "drive letter"),
        ("C:\\Windows\\evil.txt", "drive letter"),
        ("a\nb.txt", "control characters"),
    ],
)
def test_refuses_absolute_drive_and_odd_names(tmp_path, name, why):
    zip_path = make_zip(tmp_path / "z.zip", {name: b"boo"})
    with pytest.raises(SubmissionError, match=why) as err:
        safe_extract(zip_path, tmp_path / "out")
    assert ascii(name) in str(err.value)


def test_windows_separators_are_read_as_folders(tmp_path):
    zip_path = make_zip(tmp_path / "z.zip", {"Proj\\Miniproject_2\\model.py": b"x"})
    report = safe_extract(zip_path, tmp_path / "out")
    assert (tmp_path / "out/Proj/Miniproject_2/model.py").read_bytes() == b"x"
    assert any("separator" in n for n in report.notes)


def test_refuses_symlink_entry(tmp_path):
    zip_path = make_zip(
        tmp_path / "z.zip", {unix_entry("Miniproject_2/bestmodel.pth", stat.S_IFLNK | 0o777): b"/etc/passwd"}
    )
    with pytest.raises(SubmissionError, match="'Miniproject_2/bestmodel.pth' is a symbolic link"):
        safe_extract(zip_path, tmp_path / "out")
    assert not (tmp_path / "out" / "Miniproject_2" / "bestmodel.pth").exists()


@pytest.mark.parametrize(
    "ftype,what",
    [
        (stat.S_IFCHR, "character device"),
        (stat.S_IFBLK, "block device"),
        (stat.S_IFIFO, "FIFO"),
        (stat.S_IFSOCK, "socket"),
    ],
)
def test_refuses_special_files(tmp_path, ftype, what):
    zip_path = make_zip(tmp_path / "z.zip", {unix_entry("dev", ftype | 0o666): b""})
    with pytest.raises(SubmissionError, match=f"'dev' is a {what}"):
        safe_extract(zip_path, tmp_path / "out")


def test_refuses_too_many_files(tmp_path):
    zip_path = make_zip(tmp_path / "z.zip", {f"f{i}.txt": b"x" for i in range(6)})
    with pytest.raises(SubmissionError, match="more than 5 files.*'f5.txt'"):
        safe_extract(zip_path, tmp_path / "out", max_files=5)
    safe_extract(zip_path, tmp_path / "out2", max_files=6)


def test_refuses_too_large_by_declared_size(tmp_path):
    data = os.urandom(600 * 1024)
    zip_path = make_zip(tmp_path / "z.zip", {"a.bin": data, "b.bin": data})
    with pytest.raises(SubmissionError, match="'b.bin'.*over the limit of 1048576 bytes"):
        safe_extract(zip_path, tmp_path / "out", max_total_bytes=MiB)
    assert not (tmp_path / "out").exists()


def test_refuses_high_compression_ratio(tmp_path):
    zip_path = make_zip(tmp_path / "z.zip", {"zeros.bin": bytes(4 * MiB)})
    with pytest.raises(SubmissionError, match="'zeros.bin'.*zip bomb"):
        safe_extract(zip_path, tmp_path / "out")
    # Small files are not ratio-checked: a short file of spaces is harmless.
    safe_extract(make_zip(tmp_path / "s.zip", {"spaces.txt": b" " * 100_000}), tmp_path / "out2")


def _patch_sizes(zip_bytes: bytes, new_size: int, new_crc: int | None = None) -> bytes:
    """Rewrite the uncompressed size (and optionally the CRC) of a one-entry zip in both headers."""
    data = bytearray(zip_bytes)
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 22, new_size)
    struct.pack_into("<I", data, central + 24, new_size)
    if new_crc is not None:
        struct.pack_into("<I", data, local + 14, new_crc)
        struct.pack_into("<I", data, central + 16, new_crc)
    return bytes(data)


def test_lying_size_header_is_stopped(tmp_path):
    payload = bytes(3 * MiB)
    honest = make_zip(tmp_path / "honest.zip", {"bomb.bin": payload}).read_bytes()
    liar = tmp_path / "liar.zip"
    liar.write_bytes(_patch_sizes(honest, 100))  # claims 100 bytes, holds 3 MiB
    with pytest.raises(SubmissionError, match="'bomb.bin' is corrupt"):
        safe_extract(liar, tmp_path / "out")
    # With the CRC forged to match the first 100 bytes, only the declared 100 bytes come out.
    forged = tmp_path / "forged.zip"
    forged.write_bytes(_patch_sizes(honest, 100, zlib.crc32(payload[:100])))
    report = safe_extract(forged, tmp_path / "out2")
    assert (tmp_path / "out2" / "bomb.bin").stat().st_size == 100
    assert report.total_bytes == 100


def test_bounded_copy_counts_bytes_actually_read():
    class Endless(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, b):
            b[:] = bytes(len(b))
            return len(b)

    sink = io.BytesIO()
    with pytest.raises(SubmissionError, match="entry 'x' \\(more than 1000000 bytes read"):
        copy_bounded(io.BufferedReader(Endless()), sink, limit=1_000_000, what="entry 'x'")
    assert len(sink.getvalue()) <= 1_000_000
    assert copy_bounded(io.BytesIO(b"abc"), io.BytesIO(), limit=3, what="x") == 3


def test_refuses_duplicate_names(tmp_path):
    zip_path = tmp_path / "z.zip"
    with zipfile.ZipFile(zip_path, "w") as zf, pytest.warns(UserWarning, match="Duplicate"):
        zf.writestr("Miniproject_2/model.py", b"good")
        zf.writestr("Miniproject_2/model.py", b"evil")
    with pytest.raises(SubmissionError, match="'Miniproject_2/model.py' appears twice"):
        safe_extract(zip_path, tmp_path / "out")


@pytest.mark.parametrize("entries", [{"a": b"x", "a/b": b"y"}, {"a/b": b"y", "a": b"x"}, {"a/": b"", "a": b"x"}])
def test_refuses_file_folder_clash(tmp_path, entries):
    zip_path = make_zip(tmp_path / "z.zip", entries)
    with pytest.raises(SubmissionError, match="'a"):
        safe_extract(zip_path, tmp_path / "out")


def test_refuses_encrypted_entry(tmp_path):
    data = bytearray(make_zip(tmp_path / "plain.zip", {"secret.py": b"x"}).read_bytes())
    for sig, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(sig) + flag_offset
        data[at] |= 0x1
    (tmp_path / "enc.zip").write_bytes(bytes(data))
    with pytest.raises(SubmissionError, match="'secret.py' is password-protected"):
        safe_extract(tmp_path / "enc.zip", tmp_path / "out")


def test_refuses_random_bytes(tmp_path):
    (tmp_path / "z.zip").write_bytes(os.urandom(4096))
    with pytest.raises(SubmissionError, match="not a readable zip"):
        safe_extract(tmp_path / "z.zip", tmp_path / "out")


def test_refuses_truncated_zip(tmp_path):
    whole = make_zip(tmp_path / "whole.zip", {"Miniproject_2/model.py": os.urandom(5000)}).read_bytes()
    (tmp_path / "cut.zip").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(SubmissionError, match="cut.zip: not a readable zip"):
        safe_extract(tmp_path / "cut.zip", tmp_path / "out")


def test_refuses_damaged_entry_data(tmp_path):
    payload = b"def forward(x):\n    return x\n" * 200
    data = bytearray(make_zip(tmp_path / "z.zip", {"Miniproject_2/model.py": payload}).read_bytes())
    start = data.index(b"PK\x03\x04") + 30 + len("Miniproject_2/model.py")
    for i in range(start + 5, start + 25):
        data[i] ^= 0xFF
    (tmp_path / "bad.zip").write_bytes(bytes(data))
    with pytest.raises(SubmissionError, match="'Miniproject_2/model.py' is corrupt"):
        safe_extract(tmp_path / "bad.zip", tmp_path / "out")


def test_macos_junk_is_left_out_and_reported(tmp_path):
    zip_path = make_zip(
        tmp_path / "z.zip",
        {"Miniproject_2/model.py": b"x", "__MACOSX/Miniproject_2/._model.py": b"j", "Miniproject_2/.DS_Store": b"j"},
    )
    report = safe_extract(zip_path, tmp_path / "out")
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*")) == [
        "Miniproject_2",
        "Miniproject_2/model.py",
    ]
    assert sorted(report.skipped) == ["Miniproject_2/.DS_Store", "__MACOSX/Miniproject_2/._model.py"]
    assert report.files == 1


def test_junk_names_are_still_checked(tmp_path):
    zip_path = make_zip(tmp_path / "z.zip", {"__MACOSX/../../evil": b"x"})
    with pytest.raises(SubmissionError, match="climbs out"):
        safe_extract(zip_path, tmp_path / "out")
