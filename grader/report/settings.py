"""The settings a result was graded under, as every view states them: fast or full, data, rubric, grader.

A `--fast` grade (a short epoch, a few hundred validation images) is not
comparable with a full one, so every report says which it was, and a class
table made of results graded under different settings says so too
(`grade summary` warns, or refuses with --strict).
"""

from __future__ import annotations

from grader.result import Result

# environment keys that must agree across one class table, with how to name them
COMPARED = {
    "mode": "mode (fast/full)",
    "data_id": "data set",
    "rubric_digest": "rubric",
    "grader_version": "grader version",
}


def mode(result: Result) -> str | None:
    """'fast' or 'full', or None when the result records no grading (not gradable, not graded)."""
    fast = result.environment.get("fast")
    return None if fast is None else "fast" if fast else "full"


def mode_line(result: Result) -> str:
    """One sentence: the mode and the sizes graded ('' when nothing was graded)."""
    which = mode(result)
    if which is None:
        return ""
    env = result.environment
    sizes = f"{env.get('n_train', '?')} training / {env.get('n_val', '?')} validation pairs"
    if which == "fast":
        return f"Graded in fast mode (--fast, {sizes}): PSNR and timing are not comparable with a full grade."
    return f"Graded in full mode ({sizes})."


def settings_of(result: Result) -> dict[str, str]:
    """The COMPARED settings this result records (none for a result that graded nothing)."""
    env = result.environment
    out = {"mode": mode(result)} if mode(result) else {}
    out.update({k: str(env[k]) for k in COMPARED if k != "mode" and env.get(k) is not None})
    return out


def class_settings(results: list[Result]) -> tuple[dict[str, list[str]], list[str]]:
    """({setting: distinct values}, one warning per setting that differs between results)."""
    values: dict[str, dict[str, list[str]]] = {k: {} for k in COMPARED}
    for result in results:
        for key, value in settings_of(result).items():
            values[key].setdefault(value, []).append(result.submission)
    seen = {k: sorted(v) for k, v in values.items() if v}
    warnings = []
    for key, by_value in values.items():
        if len(by_value) > 1:
            parts = "; ".join(
                f"{value}: {', '.join(teams[:3])}{' …' if len(teams) > 3 else ''}"
                for value, teams in sorted(by_value.items())
            )
            warnings.append(f"results graded with different {COMPARED[key]}: {parts}")
    return seen, warnings
