"""A spec file is data: nothing in it runs as Python, a run writes no file but those asked for,
and huge or deeply nested inputs get error E013 quickly, never a hang or a RecursionError."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refine.cli.main import app
from refine.errors import SpecError
from refine.syntax.parser import MAX_BYTES, parse_text

SCEN = "scenario { run h on cpu 0 in task; }\n"
QUICK = 10.0  # seconds: every refusal below must come well within this


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), f"{type(exc).__name__}: {exc}"
    return result.exit_code, result.output


def refused(path: Path, code: str = "E013") -> str:
    t0 = time.monotonic()
    rc, out = run("check", str(path))
    assert time.monotonic() - t0 < QUICK
    assert rc == 2 and f"error[{code}]" in out and "Traceback" not in out, out
    return out


def listing(*dirs: Path) -> list[str]:
    return sorted(str(p) for d in dirs for p in d.rglob("*"))


# ---------------------------------------------------------------------- huge inputs


def test_ten_thousand_nested_parentheses(tmp_path):
    p = tmp_path / "t.kspec"
    p.write_text("spec t;\nconst A = " + "(" * 10_000 + "1" + ")" * 10_000 + ";\n" + SCEN)
    assert "nest deeper than 200 levels" in refused(p)


def test_an_expression_of_fifty_thousand_terms(tmp_path):
    p = tmp_path / "t.kspec"
    p.write_text("spec t;\nvar x: int[0..1];\nhandler h() { let a = " + " + ".join(["x"] * 50_000)
                 + "; }\n" + SCEN)
    assert "a very long expression" in refused(p)


def test_a_100_mb_file_is_refused_without_reading_it_all(tmp_path):
    p = tmp_path / "big.kspec"
    with p.open("wb") as f:  # sparse: 100 MB that costs no disk
        f.write(b"spec big;\n")
        f.truncate(100 * 2 ** 20)
    assert f"larger than {MAX_BYTES} bytes" in refused(p)


def test_an_endless_file_is_refused(tmp_path):
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    refused(Path("/dev/zero"))


def test_a_text_over_the_limit_is_refused_before_parsing():
    with pytest.raises(SpecError) as e:
        parse_text("spec t;\n" + "// x\n" * (MAX_BYTES // 5 + 1))
    assert e.value.code == "E013"


# regressions found by the front-end fuzzer: folded left to right, a chain over a pool's 4096
# objects was 4096 deep and every walk of it (renaming, evaluating) overflowed the stack

BIG_POOL = {
    "leak": """spec big_leak;
dynamic pool Obj[4096] { v: int[0..1]; }
var head: Obj?;
init { head = object_alloc(Obj); }
handler h() { let p = xchg(head, NULL); if (p != NULL) { atomic { object_free(p); } } }
""" + SCEN,
    "quantifiers": """spec big_quant;
pool Obj[4096];
ghost var owned: [Obj] bool;
var head: Obj? = Obj#5;
handler h() { let p = head; if (p != NULL) { owned[p] = true; } }
invariant few: count o in Obj: (owned[o]) <= 1;
invariant some: exists o in Obj: (!owned[o]);
invariant only_five: forall o in Obj: (!owned[o] || o == Obj#5);
""" + SCEN,
    "alloc": """spec big_alloc;
dynamic pool Obj[4096] { v: int[0..1]; }
var head: Obj?;
var first: Obj?;
var second: Obj?;
init { first = object_alloc(Obj); second = object_alloc(Obj); }
handler h() {
    let o: Obj? = NULL;
    atomic { o = object_alloc(Obj); }
    assert(o == Obj#2, "the first free object is the third");
    head = o;
}
""" + SCEN,
}


@pytest.mark.parametrize("name", sorted(BIG_POOL))
def test_a_pool_of_4096_objects_gets_a_verdict(tmp_path, name):
    p = tmp_path / f"{name}.kspec"
    p.write_text(BIG_POOL[name])
    rc, out = run("verify", str(p))
    assert rc == 0 and "HOLDS" in out, out[-800:]


def test_a_huge_array_is_refused_before_it_is_built(tmp_path):
    """Fuzzer regression: `[0..10^30]` was flattened element by element before the state-size
    check, until memory ran out."""
    p = tmp_path / "t.kspec"
    p.write_text("spec t;\nvar a: [0..1000000000000000000000000000000] bool;\n"
                 "handler h() { }\n" + SCEN)
    assert "more than 100000 values" in refused(p)


def test_a_leak_check_too_large_to_build_is_refused(tmp_path):
    """Fuzzer regression: 4096 objects that each may point to any other made a leak check of
    16 million terms, built until memory ran out."""
    p = tmp_path / "t.kspec"
    p.write_text("spec t;\ndynamic pool Obj[4096] { next: Obj?; }\nvar head: Obj?;\n"
                 "handler h() { head = NULL; }\n" + SCEN)
    out = refused(p)
    assert "the leak check of dynamic pool Obj compares 4096 objects with 4097 references" in out
    assert 'disable leak' in out
    p.write_text("spec t;\ndisable leak \"too big\";\ndynamic pool Obj[4096] { next: Obj?; }\n"
                 "var head: Obj?;\nhandler h() { head = NULL; }\n" + SCEN)
    assert run("verify", str(p))[0] == 0


def test_shared_subexpressions_are_not_walked_once_per_path(tmp_path):
    """Fuzzer regression: kfree_rcu over a pool of 256 objects took 10 s to lower and 50 s to
    compile (1000 objects: out of memory, and --timeout was never consulted), because renaming
    and compiling walked the library predicates' shared subexpressions as a tree."""
    from tests.conftest import ROOT
    text = (ROOT / "tests/kernel/specs/rcu/kfree_rcu_after_readers.kspec").read_text()
    assert "dynamic pool Obj[1] {" in text
    p = tmp_path / "t.kspec"
    p.write_text(text.replace("dynamic pool Obj[1] {", "dynamic pool Obj[256] {"))
    t0 = time.monotonic()
    rc, out = run("verify", str(p))
    assert rc == 0 and "HOLDS" in out, out[-800:]
    assert time.monotonic() - t0 < QUICK


def test_a_leading_zero_is_an_error_not_a_crash(tmp_path):
    """Fuzzer regression: `04097` reached int(text, 0) and escaped as a lark VisitError."""
    p = tmp_path / "t.kspec"
    p.write_text("spec t;\npool J[2];\nvar x: int[0..010];\nvar r: J? = J#01;\n" + SCEN)
    out = refused(p, "E001")
    assert "t.kspec:3:15: error[E001]: number 010 has a leading zero" in out
    assert "expected: 10 (decimal) or 0x... (hex)" in out
    p.write_text("spec t;\npool J[2];\nvar r: J? = J#01;\n" + SCEN)
    assert "t.kspec:3:15: error[E001]: number 01 has a leading zero" in refused(p, "E001")
    p.write_text("spec t;\nvar x: int[0..0x0A] = 0;\nhandler h() { x = 10; }\n" + SCEN)
    assert run("verify", str(p))[0] == 0  # 0 and hex with zeros are fine


# ---------------------------------------------------------------------- a spec is data


PAYLOAD = "__import__('os').system('touch PWNED')"


def test_python_in_a_spec_is_never_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    texts = [
        f"spec t;\nconst A = {PAYLOAD};\n" + SCEN,
        f"spec t;\nvar x: bool;\nhandler h() {{ {PAYLOAD}; }}\n" + SCEN,
        f"spec t;\nhandler h() {{ assert(false, \"{{0}} %s {{x}} {PAYLOAD}\"); }}\n" + SCEN,
        f"spec t;\ndisable WARN \"{PAYLOAD} {{__class__}}\";\nhandler h() {{ }}\n" + SCEN,
    ]
    for i, text in enumerate(texts):
        p = tmp_path / f"p{i}.kspec"
        p.write_text(text)
        rc, out = run("verify", str(p), "--json" if i == 2 else "--full")
        assert rc in (0, 1, 2), out
        if i == 2:  # the message is printed as written: no format or eval of it
            assert rc == 1 and f"{{0}} %s {{x}} {PAYLOAD}" in out, out
    assert not (tmp_path / "PWNED").exists() and not Path("PWNED").exists()


SPEC = """spec w;
var x: int[0..2];
handler h() { x = x + 1; }
invariant one: x <= 1;
scenario { cpus = 2; run h on cpu 0 in task as a; run h on cpu 1 in task as b; }
"""


def test_runs_write_no_file_but_the_one_asked_for(tmp_path, monkeypatch):
    specs, cwd = tmp_path / "specs", tmp_path / "cwd"
    specs.mkdir()
    cwd.mkdir()
    (specs / "w.kspec").write_text(SPEC)
    spec = str(specs / "w.kspec")
    monkeypatch.chdir(cwd)
    before = listing(specs, cwd)
    for args in (("check", spec), ("verify", spec), ("verify", spec, "--json"),
                 ("verify", spec, "--engine", "symbolic"), ("simulate", spec, "--seed", "3"),
                 ("verify", "--full", spec, "--timeout", "30", "--memory", "4000")):
        rc, out = run(*args)
        assert rc in (0, 1), out
        assert listing(specs, cwd) == before, args
    rc, out = run("verify", spec, "--itf", "trace.itf.json")
    assert rc == 1 and listing(specs, cwd) == sorted(before + [str(cwd / "trace.itf.json")])


def test_a_separate_process_writes_nothing_either(tmp_path):
    """As users run it: a fresh interpreter, the cwd a scratch folder."""
    (tmp_path / "w.kspec").write_text(SPEC)
    before = listing(tmp_path)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="")
    p = subprocess.run([sys.executable, "-m", "refine", "verify", "w.kspec"], cwd=tmp_path,
                       capture_output=True, text=True, env=env)
    assert p.returncode == 1, p.stderr
    assert listing(tmp_path) == before
