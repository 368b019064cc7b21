"""The detail of a pair a person will read: per-file shares, and matched line ranges from copydetect."""

from __future__ import annotations

import re

import numpy as np
from copydetect import CodeFingerprint, compare_files

from grader.similarity.fingerprints import TeamPrint, fingerprint
from grader.similarity.result import FilePair, FileShare
from grader.similarity.sources import SourceFile


def file_shares(team: TeamPrint, matched: np.ndarray) -> list[FileShare]:
    """Each file of `team` against the whole other team (matched characters over fingerprinted ones)."""
    return [
        FileShare(name, int(tokens), int(hit), round(float(hit) / tokens, 4) if tokens else 0.0)
        for name, tokens, hit in zip(team.files, team.coverage, matched)
    ]


def library_prints(
    files: list[SourceFile], names: list[str], k: int, boilerplate: np.ndarray, prefix: str
) -> dict[str, CodeFingerprint]:
    """copydetect's own fingerprints of the named files, keyed `prefix/file` (names must differ per team)."""
    wanted = set(names)
    return {
        f"{prefix}/{f.rel}": fingerprint(f"{prefix}/{f.rel}", f.text, k, boilerplate) for f in files if f.rel in wanted
    }


def file_pairs(prints_a: dict[str, CodeFingerprint], prints_b: dict[str, CodeFingerprint]) -> list[FilePair]:
    """Every pair of files with code in common, most similar first, with matched line ranges."""
    pairs = []
    for name_a, fa in prints_a.items():
        for name_b, fb in prints_b.items():
            overlap, (sim_a, sim_b), (slices_a, slices_b) = compare_files(fa, fb)
            if overlap == 0:
                continue
            pairs.append(
                FilePair(
                    _after_slash(name_a),
                    _after_slash(name_b),
                    round(float(sim_a), 4),
                    round(float(sim_b), 4),
                    int(overlap),
                    line_ranges(fa.raw_code, slices_a),
                    line_ranges(fb.raw_code, slices_b),
                )
            )
    pairs.sort(key=lambda p: (-max(p.similarity_a, p.similarity_b), p.file_a, p.file_b))
    return pairs


def line_ranges(text: str, slices: np.ndarray) -> list[list[int]]:
    """[first, last] line numbers (1-based) of copydetect's matched character slices, merged when they touch."""
    if slices.size == 0:
        return []
    newlines = np.array([m.start() for m in re.finditer("\n", text)], dtype=np.int64)
    first = np.searchsorted(newlines, slices[0], side="left") + 1
    last = np.searchsorted(newlines, np.maximum(slices[1] - 1, slices[0]), side="left") + 1
    merged: list[list[int]] = []
    for lo, hi in sorted(zip(first.tolist(), last.tolist())):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return merged


def _after_slash(name: str) -> str:
    return name.split("/", 1)[1]
