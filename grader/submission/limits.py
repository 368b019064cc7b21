"""Default bounds on what a submission may hold, shared by unzipping, copying and the checks.

A real mini-project-2 submission is a few source files, a checkpoint of a few MB
and a PDF report: these bounds are generous for that and stop archives or
folders built to exhaust disk, memory or time.
"""

MiB = 1024 * 1024

MAX_TOTAL_BYTES = 200 * MiB
"""Most bytes, all files together, that we unpack or copy."""

MAX_FILES = 2000
"""Most files that we unpack or copy."""

MAX_RATIO = 100
"""Largest uncompressed/compressed size ratio accepted for one zip entry.

Source code deflates about 4x and float weights barely at all; a zip bomb
made of zeros reaches about 1000x.
"""

RATIO_MIN_BYTES = 1 * MiB
"""Entries smaller than this are not ratio-checked: a small text file of spaces is harmless."""
