"""Expectations the grader does not meet yet, each a grader bug filed in /tmp/grader_bugs.md.

(team, key) -> the bug. `key` is a check id, "<check id> message", "exit_code", "score",
"pretrained_psnr" (see submissions/_build/sample_expected.py) or "crash" (grade_submission
raised). While the grader still gets one of these wrong, the team's test ends as xfail;
once the grader is fixed the test fails with "fixed: remove it from known_bugs.py", so
that an entry cannot outlive its bug.

Filed and fixed so far: team_swapped_conv_args (judge crash on the swapped weight),
team_os_exit_predict (train_time blamed for the untrained predict), team_monkeypatch
(runtime_forbidden passed on a blinded trace), team_writes_outside (sys.modules['grader']
lookup not tampering), team_transpose_conv_layout (model.architecture read a transposed convolution
kept in `.conv` as a bare nearest upsampling).
"""

KNOWN_BUGS: dict[tuple[str, str], str] = {}
