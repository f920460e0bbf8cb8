"""Fuzzing the front end: mutated and generated spec texts through parse, resolve, type check and
lowering. Refine's own input errors (SpecError) are the expected outcome for most; any other
exception is a crash. The long run is tests/long/run_fuzz_front.py (100,000 inputs)."""
from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .mutate import VOCAB, front, mutate, random_input, seed_texts
from .specgen import generate

FUZZ = settings(max_examples=100, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.integers(0, 10 ** 6), st.integers(0, 10 ** 9))
def test_mutated_seed_specs_never_crash_the_front_end(which, seed):
    texts = seed_texts()
    front(mutate(texts[which % len(texts)], random.Random(seed)))


@FUZZ
@given(st.lists(st.sampled_from(VOCAB), max_size=80))
def test_token_soup_never_crashes_the_front_end(toks):
    front(" ".join(toks))


@FUZZ
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes_the_front_end(text):
    front(text)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.integers(0, 10 ** 9))
def test_generated_specs_are_accepted(seed):
    """The differential generator's specs are valid: a rejection is a bug of one or the other."""
    assert front(generate(seed)) == "ok"


def test_the_mutator_reaches_past_the_parser():
    """Fuzzing only the parser would be cheap and miss the checker: most inputs must parse."""
    rng = random.Random(5)
    codes = [front(random_input(rng)) for _ in range(300)]
    past_parser = sum(c not in ("E001", "E002", "E003", "E012") for c in codes)
    assert past_parser >= 60, codes


REGRESSIONS = [
    "spec t;\nvar x: int[0..04097];\nscenario { }\n",  # lark VisitError from int('04097', 0)
    "spec t;\npool J[2];\nvar r: J? = J#007;\nscenario { }\n",
    "spec t;\nvar a: [0..1000000000000000000000000000000] bool;\nscenario { }\n",
]


def test_regressions_found_by_fuzzing_are_input_errors():
    for text in REGRESSIONS:
        assert front(text).startswith("E"), text
