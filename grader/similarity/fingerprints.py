"""Fingerprints of a team's files: copydetect's, kept as compact arrays so a whole class fits in memory.

copydetect's `CodeFingerprint` does the work: Pygments tokenises the file,
identifiers become one letter (variable V, function F, class O), strings S,
comments and whitespace go, and every k-gram of what remains is hashed
(MOSS-style winnowing; with a window of 1, as copydetect's defaults, every
k-gram is kept, so results do not depend on hash values and are the same on
every run). Its objects hold the code, a Python set and a dict of all hashes
(a Python object per k-gram, several times the arrays below), and its
`CopyDetector` keeps every object plus a file-by-file matrix and every pair's
matched slices, which is why memory grows fast with class size (copydetect's
tracker). So each object lives only while its team is read: what comparisons
need is copied into three numpy arrays per team (16 bytes per k-gram), and the
library objects are rebuilt only for the few pairs a person will look at.

Python's `hash()` of a string differs between processes: every fingerprint of
a run is made in one process, and hashes are never stored.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from copydetect import CodeFingerprint

from grader.similarity.sources import SourceFile

EMPTY = np.zeros(0, dtype=np.int64)


def fingerprint(name: str, text: str, k: int, boilerplate: np.ndarray = EMPTY) -> CodeFingerprint:
    """copydetect's fingerprint of Python source `text` (k-grams of k normalised characters, window 1).

    Hashes in `boilerplate` (sorted, unique) are left out, and so is the code they cover.
    """
    fp = CodeFingerprint(name, k, 1, boilerplate, language="python", fp=io.StringIO(text))
    repair_class_offsets(fp)
    return fp


def repair_class_offsets(fp: CodeFingerprint) -> None:
    """Correct copydetect 0.5.0's map from normalised to original positions after class names.

    `filter_code` records, for each token it shortens, how many characters were
    removed before it; for a class name it records the name's length minus one
    instead, so a match starting at a class name is placed near the top of the
    file (wrong line ranges, and a side-by-side page that repeats code). The
    entry recorded right after a class name holds the count before it plus that
    length minus one, which gives the count back. Only line ranges and
    highlights use this map; scores do not.
    """
    offsets, code = fp.offsets, fp.filtered_code
    if len(offsets) == 0:
        return
    removed_total = len(fp.raw_code) - len(code)
    for i in range(1, len(offsets)):
        pos, recorded = offsets[i]
        if code[pos : pos + 1] != "O" or offsets[i - 1][0] == pos:
            continue  # not a class name (its entry is the first one at its position)
        after = offsets[i + 1][1] if i + 1 < len(offsets) else removed_total
        offsets[i][1] = after - recorded


def hashes_of(files: list[SourceFile], k: int) -> np.ndarray:
    """Every k-gram hash of these files (sorted, unique): the boilerplate a template stands for."""
    parts = [np.fromiter(fingerprint(f.rel, f.text, k).hashes, dtype=np.int64) for f in files]
    return np.unique(np.concatenate(parts)) if parts else EMPTY


@dataclass
class TeamPrint:
    """One project of one team as hash occurrences.

    `keys` are the distinct hashes (sorted); the occurrences of `keys[i]` are
    `occ_file[start[i]:start[i+1]]` (index into `files`) and `occ_pos[...]`
    (position of the k-gram in that file's normalised code). `coverage[f]` is
    how many normalised characters of file f the kept k-grams cover: the
    denominator of every similarity, as copydetect's `token_coverage`.
    """

    files: list[str]
    keys: np.ndarray
    start: np.ndarray
    occ_file: np.ndarray
    occ_pos: np.ndarray
    coverage: np.ndarray
    k: int

    @property
    def tokens(self) -> int:
        """Normalised characters fingerprinted, all files together."""
        return int(self.coverage.sum())

    def without(self, drop: np.ndarray) -> TeamPrint:
        """This print without the hashes in `drop` (sorted, unique); coverage recomputed."""
        keep = ~_member(self.keys, drop)
        counts = np.diff(self.start)
        occ_keep = np.repeat(keep, counts)
        return _from_occurrences(
            self.files, np.repeat(self.keys, counts)[occ_keep], self.occ_file[occ_keep], self.occ_pos[occ_keep], self.k
        )

    def restricted_to(self, shared: np.ndarray) -> TeamPrint:
        """Only the hashes in `shared`, coverage unchanged: hashes no other team has cannot match anything."""
        counts = np.diff(self.start)
        keep = _member(self.keys, shared)
        occ_keep = np.repeat(keep, counts)
        keys = self.keys[keep]
        start = np.concatenate([[0], np.cumsum(counts[keep])])
        return TeamPrint(
            self.files, keys, start, self.occ_file[occ_keep], self.occ_pos[occ_keep], self.coverage, self.k
        )

    def covered(self, key_index: np.ndarray) -> np.ndarray:
        """Per file, the normalised characters covered by the occurrences of `keys[key_index]`."""
        begin, end = self.start[key_index], self.start[key_index + 1]
        lengths = end - begin
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(len(self.files), dtype=np.int64)
        # the occurrence indices begin[i] .. end[i]-1 of every selected key, in one array
        offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        idx = np.repeat(begin, lengths) + offsets
        return union_lengths(self.occ_file[idx], self.occ_pos[idx], self.k, len(self.files))


def team_print(files: list[SourceFile], k: int, boilerplate: np.ndarray) -> tuple[TeamPrint, list[str]]:
    """The compact print of these files, and the names of files with nothing left to compare."""
    hashes: list[int] = []
    file_ids: list[int] = []
    positions: list[int] = []
    names: list[str] = []
    empty: list[str] = []
    for f in files:
        fp = fingerprint(f.rel, f.text, k, boilerplate)
        if not fp.hash_idx:
            empty.append(f.rel)
            continue
        for value, where in fp.hash_idx.items():
            hashes.extend([value] * len(where))
            positions.extend(where)
        file_ids.extend([len(names)] * (len(positions) - len(file_ids)))
        names.append(f.rel)
        del fp  # the library object (code, set and dict of every hash) goes now
    return _from_occurrences(
        names,
        np.array(hashes, dtype=np.int64),
        np.array(file_ids, dtype=np.int32),
        np.array(positions, dtype=np.int32),
        k,
    ), empty


def _from_occurrences(
    files: list[str], hashes: np.ndarray, file_ids: np.ndarray, positions: np.ndarray, k: int
) -> TeamPrint:
    order = np.lexsort((positions, file_ids, hashes))
    hashes, file_ids, positions = hashes[order], file_ids[order], positions[order]
    keys, first = np.unique(hashes, return_index=True)
    start = np.concatenate([first, [len(hashes)]]).astype(np.int64)
    coverage = union_lengths(file_ids, positions, k, len(files))
    return TeamPrint(files, keys, start, file_ids.astype(np.int32), positions.astype(np.int32), coverage, k)


def union_lengths(file_ids: np.ndarray, positions: np.ndarray, k: int, n_files: int) -> np.ndarray:
    """Per file, the length of the union of the intervals [p, p + k): the characters these k-grams cover.

    The same count as copydetect's token coverage and matched-token totals (its
    slices merge k-grams less than k apart), computed for many files at once.
    """
    if len(positions) == 0:
        return np.zeros(n_files, dtype=np.int64)
    order = np.lexsort((positions, file_ids))
    f, p = file_ids[order].astype(np.int64), positions[order].astype(np.int64)
    step = np.minimum(np.diff(p), k)  # a k-gram adds the distance to the next one, at most k
    same = f[1:] == f[:-1]
    contribution = np.append(np.where(same, step, k), k)  # the last k-gram of a file adds k
    return np.bincount(f, weights=contribution, minlength=n_files).astype(np.int64)


def _member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """values ∈ sorted_set, elementwise (sorted_set sorted, unique)."""
    if len(sorted_set) == 0:
        return np.zeros(len(values), dtype=bool)
    where = np.searchsorted(sorted_set, values).clip(max=len(sorted_set) - 1)
    return sorted_set[where] == values
