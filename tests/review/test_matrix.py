"""The design review's `refines` cell: each verdict of `refine refines` becomes its own cell
value (a design's own violation is "no verdict", never "holds" or a bound reached)."""
from __future__ import annotations

from refine.review.matrix import refinement_cell

from tests.conftest import ROOT


def cell(name: str, **consts):
    return refinement_cell(str(ROOT / "specs" / f"{name}.kspec"), consts, 120)


def test_a_failure_is_violated_with_its_kind_and_trace():
    c = cell("box")
    assert (c.verdict, c.depth, c.violated) == ("violated", 6, "observation")
    assert "DOES NOT REFINE kptr_slot: observation differs at step 6" in c.trace


def test_the_design_s_own_violation_is_no_verdict():
    c = cell("two_fields")
    assert c.verdict == "no verdict"
    assert c.reason.startswith("NO REFINEMENT VERDICT: the design violates its own property "
                               "xchg_single_atomic")


def test_a_refinement_that_holds_is_complete():
    c = cell("upstream_fix")
    assert (c.verdict, c.complete) == ("holds", True)


def test_a_spec_without_a_mapping_has_no_cell():
    assert cell("deferred_free") is None
