"""The symbolic engine looks for violations with loops cut short first, then on the full spec.
A violation found either way is a real execution of the spec as written."""
from __future__ import annotations

from refine.engines.explicit import search
from refine.lower.program import lower
from refine.syntax.parser import parse_text

from tests.conftest import run_cli

RETRY = """spec retry;
var x: int[0..9] = 0;
ghost var tries: [cpu] int[0..9];
handler h() {{
    tries[cpu] = 0;
    while (true) bound 6 {{
        tries[cpu] = tries[cpu] + 1;
        let old = x;
        if (cmpxchg(x, old, old + 1) == old) {{ break; }}
    }}
}}
invariant few_tries: forall c in cpu: (tries[c] < {limit});
scenario {{ cpus = 2; run h on cpu 0 in task as a; run h on cpu 1 in task times 2 as b; }}
"""


def write(tmp_path, limit):
    path = tmp_path / "retry.kspec"
    path.write_text(RETRY.format(limit=limit))
    return str(path)


def test_a_violation_within_the_cut_is_found_first_and_replayed_on_the_full_spec(tmp_path):
    code, out = run_cli("verify", write(tmp_path, 2), "--engine", "symbolic")
    assert code == 1 and "found with loops cut after 2 iterations" in out


def test_a_violation_past_the_cut_is_still_found_on_the_full_spec(tmp_path):
    # three tries in one run need two failed cmpxchgs: past the cut of 2 iterations
    code, out = run_cli("verify", write(tmp_path, 3), "--engine", "symbolic")
    assert code == 1 and "violated: few_tries" in out and "loops cut" not in out


def test_cut_paths_are_left_out_not_reported():
    text = RETRY.format(limit=3)
    full = search(lower(parse_text(text, "r.kspec")))
    cut = search(lower(parse_text(text, "r.kspec"), unroll_cap=2))
    assert full.verdict == "violated"
    assert cut.verdict == "holds" and cut.complete  # the violating path was past the cut
