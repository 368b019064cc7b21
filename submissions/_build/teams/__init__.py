"""The sample teams by theme, one module each (collected by sample_teams.py, in this order).

To add a team, add it to the theme it belongs to (or a new module listed in
sample_teams.THEMES), run `python submissions/_build/build.py`, grade it.
"""
