"""Finding the student's class for a required block, whatever slip of the name they made.

Check ids always use the required name (`blocks.Conv2d.forward`) whatever the
student called the class; a recognised slip is graded with a naming note. The
spellings accepted for each block are declared with the block (its `Block`).
"""

from __future__ import annotations


def resolve(required: str, spellings: tuple[str, ...], exported: dict[str, dict]) -> tuple[str | None, str | None]:
    """The student's class for the block named `required`, accepted under any of `spellings`.

    Returns (class name used, note). The note is None for the exact name, a
    naming remark for a recognised slip; (None, None) when nothing matches.
    """
    classes = {name for name, info in exported.items() if info.get("kind") == "class"}
    for candidate in spellings:
        if candidate in classes:
            if candidate == required:
                return candidate, None
            return candidate, f"found as `{candidate}`; the handout requires the name `{required}`"
    lowered = {name.lower(): name for name in classes}
    if required.lower() in lowered:
        name = lowered[required.lower()]
        return name, f"found as `{name}`; the handout requires the name `{required}`"
    return None, None
