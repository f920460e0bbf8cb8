"""Bad input: every error names its code, the exact line and column, says what is wrong, and
never shows a Python traceback; the exit code is 2."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refine.cli.main import app
from refine.errors import CODES, SpecError
from refine.syntax.parser import parse_text

SCEN = "scenario { run h on cpu 0 in task; }\n"
WHERE = re.compile(r":(\d+):(\d+): error\[(E\d{3})\]: ")
NOWHERE = re.compile(r"^\S.*?: error\[(E\d{3})\]: ", re.M)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit):
        return 99, f"Traceback (exception escaped the CLI): {type(exc).__name__}: {exc}"
    return result.exit_code, result.output


def check_text(tmp_path: Path, text: str | bytes, *extra: str) -> tuple[int, str]:
    path = tmp_path / "t.kspec"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return run("check", str(path), *extra)


def expect(out_code: tuple[int, str], code: str, line: int | None, col: int | None,
           *fragments: str) -> str:
    exit_code, out = out_code
    assert "Traceback" not in out, out
    assert exit_code == 2, out
    if line is None:
        m = NOWHERE.search(out)
        assert m, out
        assert m.group(1) == code, out
    else:
        m = WHERE.search(out)
        assert m, out
        assert (m.group(3), int(m.group(1)), int(m.group(2))) == (code, line, col), out
    for f in fragments:
        assert f in out, f"{f!r} not in:\n{out}"
    return out


# ---------------------------------------------------------------------- syntax


def test_missing_semicolon_is_reported_where_it_is_missing(tmp_path):
    text = "spec t;\nvar x: int[0..3] = 0   // note\n\nhandler h() { x = 1; }\n" + SCEN
    expect(check_text(tmp_path, text), "E001", 2, 21, "missing ';' before 'handler'", "';'")


def test_unexpected_token_on_the_same_line_is_reported_at_the_token(tmp_path):
    text = "spec t;\nvar x: int[0..3] = 0 handler h() { x = 1; }\n" + SCEN
    expect(check_text(tmp_path, text), "E001", 2, 22, "unexpected 'handler'", "';'")


def test_unexpected_token(tmp_path):
    text = "spec t;\nvar x: int[0..3] = 0;\nhandler h() { x = = 1; }\n" + SCEN
    expect(check_text(tmp_path, text), "E001", 3, 19, "unexpected '='", "expected:")


def test_chained_comparison_is_a_syntax_error(tmp_path):
    text = "spec t;\nvar x: int[0..3];\ninvariant i: 0 < x < 3;\nhandler h() { }\n" + SCEN
    expect(check_text(tmp_path, text), "E001", 3, 20, "unexpected '<'")


def test_unterminated_block_is_end_of_file(tmp_path):
    text = "spec t;\nhandler h() {\n  x = 1;\n"
    out = expect(check_text(tmp_path, text), "E003", 3, 9, "ends in the middle")
    assert "'}'" in out


def test_end_of_file_inside_a_declaration(tmp_path):
    expect(check_text(tmp_path, "spec t;\nvar x: int[0..3]"), "E003", 2, 17,
           "ends in the middle", "expected:")


def test_bad_character(tmp_path):
    text = "spec t;\nvar x: int[0..3] @ 0;\n"
    expect(check_text(tmp_path, text), "E002", 2, 18, "unexpected character '@'")


def test_caret_points_at_the_column(tmp_path):
    out = expect(check_text(tmp_path, "spec t;\nvar x: int[0..3] @ 0;\n"), "E002", 2, 18)
    lines = out.splitlines()
    src = next(i for i, l in enumerate(lines) if l.strip().startswith("2 |"))
    assert lines[src + 1].index("^") == lines[src].index("@")


# ---------------------------------------------------------------------- names


def test_unknown_variable(tmp_path):
    text = "spec t;\nvar x: int[0..3] = 0;\nhandler h() { y = 1; }\n" + SCEN
    expect(check_text(tmp_path, text), "E100", 3, 15, "unknown name `y`")


def test_unknown_variable_in_an_expression(tmp_path):
    text = "spec t;\nvar x: int[0..3] = 0;\nhandler h() { x = z + 1; }\n" + SCEN
    expect(check_text(tmp_path, text), "E100", 3, 19, "unknown name `z`")


def test_unknown_type(tmp_path):
    text = "spec t;\nvar x: Foo;\nhandler h() { }\n" + SCEN
    expect(check_text(tmp_path, text), "E100", 2, 8, "unknown type `Foo`")


def test_unknown_function(tmp_path):
    text = "spec t;\nhandler h() { foo(); }\n" + SCEN
    expect(check_text(tmp_path, text), "E100", 2, 15, "unknown function `foo`")


def test_unknown_handler_in_scenario(tmp_path):
    text = "spec t;\nhandler h() { }\nscenario { cpus = 1; run g on cpu 0 in task; }\n"
    expect(check_text(tmp_path, text), "E100", 3, 22, "unknown handler `g`")


def test_a_fn_is_not_a_handler(tmp_path):
    text = "spec t;\nfn f() { }\nhandler h() { }\nscenario { run f on cpu 0 in task; }\n"
    expect(check_text(tmp_path, text), "E100", 4, 12, "unknown handler `f`", "this is a fn")


def test_unknown_struct_field(tmp_path):
    text = ("spec t;\nstruct S { a: bool; }\nvar s: S;\nhandler h() { s.b = true; }\n"
            + SCEN)
    expect(check_text(tmp_path, text), "E100", 4, 15, "S has no field `b`", "one of: a")


def test_unknown_pool_field(tmp_path):
    text = "spec t;\npool P[2] { a: bool; }\nhandler h() { P#0.b = true; }\n" + SCEN
    expect(check_text(tmp_path, text), "E100", 3, 15, "pool P has no field `b`")


def test_unknown_pool_in_object(tmp_path):
    text = "spec t;\nvar x: bool;\nhandler h() { let r = Q#0; }\n" + SCEN
    expect(check_text(tmp_path, text), "E100", 3, 23, "unknown pool `Q`")


def test_unknown_check_in_disable(tmp_path):
    text = 'spec t;\ndisable frob "x";\nhandler h() { }\n' + SCEN
    expect(check_text(tmp_path, text), "E100", 2, 1, "unknown check `frob`")


def test_every_check_name_offered_can_be_written(tmp_path):
    text = 'spec t;\ndisable frob "x";\nhandler h() { }\n' + SCEN
    out = expect(check_text(tmp_path, text), "E100", 2, 1)
    names = out.split("one of:")[1].split("\n")[0]
    for name in (n.strip() for n in names.split(",")):
        ok = check_text(tmp_path, f'spec t;\ndisable {name} "why";\nhandler h() {{ }}\n' + SCEN)
        assert ok[0] == 0, (name, ok[1])


def test_duplicate_variable(tmp_path):
    text = "spec t;\nvar x: bool;\nvar x: bool;\nhandler h() { }\n" + SCEN
    expect(check_text(tmp_path, text), "E101", 3, 1, "`x` is already declared",
           "first at line 2")


def test_duplicate_across_kinds(tmp_path):
    text = "spec t;\nconst N = 1;\nenum E { N }\nhandler h() { }\n" + SCEN
    expect(check_text(tmp_path, text), "E101", 3, 1, "`N` is already declared")


def test_duplicate_handler(tmp_path):
    text = "spec t;\nhandler h() { }\nhandler h() { }\n" + SCEN
    expect(check_text(tmp_path, text), "E101", 3, 1, "`h` is already declared")


def test_builtin_name_cannot_be_declared(tmp_path):
    text = "spec t;\nvar cpu: bool;\nhandler h() { }\n" + SCEN
    expect(check_text(tmp_path, text), "E101", 2, 1, "`cpu` is already declared (built in)")


def test_duplicate_field(tmp_path):
    text = "spec t;\nstruct S {\n  a: bool;\n  a: bool;\n}\nhandler h() { }\n" + SCEN
    expect(check_text(tmp_path, text), "E101", 4, 3, "field `a` is declared twice")


def test_duplicate_local(tmp_path):
    text = "spec t;\nhandler h() {\n  let a = 1;\n  let a = 2;\n}\n" + SCEN
    expect(check_text(tmp_path, text), "E101", 4, 3, "`a` is already declared in this block")


def test_two_scenarios(tmp_path):
    text = "spec t;\nhandler h() { }\n" + SCEN + SCEN
    expect(check_text(tmp_path, text), "E101", 4, 1, "a spec has one scenario")


# ---------------------------------------------------------------------- types


def test_bool_assigned_int(tmp_path):
    text = "spec t;\nvar x: bool;\nhandler h() { x = 1; }\n" + SCEN
    expect(check_text(tmp_path, text), "E200", 3, 19, "`x` is bool, the value is int[1..1]")


def test_compare_ref_with_bool(tmp_path):
    text = ("spec t;\npool P[2];\nvar r: P?;\nhandler h() { let a = r; if (a == true) { } }\n"
            + SCEN)
    expect(check_text(tmp_path, text), "E200", 4, 30, "cannot compare P? with bool")


def test_arithmetic_on_a_ref(tmp_path):
    text = ("spec t;\npool P[2];\nvar r: P?;\nhandler h() { let a = r; let b = a + 1; }\n"
            + SCEN)
    expect(check_text(tmp_path, text), "E200", 4, 34, "arithmetic needs numbers, not P?")


def test_let_from_null_needs_a_type(tmp_path):
    text = "spec t;\nhandler h() { let a = NULL; }\n" + SCEN
    expect(check_text(tmp_path, text), "E200", 2, 23, "cannot be inferred from NULL")


def test_object_index_out_of_range(tmp_path):
    text = "spec t;\npool P[2];\nvar r: P?;\nhandler h() { r = P#2; }\n" + SCEN
    expect(check_text(tmp_path, text), "E200", 4, 19, "P has objects #0..#1, not #2")


def test_initialiser_of_the_wrong_type(tmp_path):
    text = "spec t;\nvar x: bool = 3;\nhandler h() { }\n" + SCEN
    expect(check_text(tmp_path, text), "E200", 2, 15, "`x` holds bool, the initial value")


def test_atomic_on_a_local(tmp_path):
    text = "spec t;\nhandler h() { let a = 0; atomic_inc(a); }\n" + SCEN
    expect(check_text(tmp_path, text), "E203", 2, 37, "atomic_inc() on the local `a`")


def test_atomic_add_on_a_bool(tmp_path):
    text = "spec t;\nvar b: bool;\nhandler h() { atomic_inc(b); }\n" + SCEN
    expect(check_text(tmp_path, text), "E200", 3, 26, "atomic_inc() needs an int")


def test_wrong_argument_count_fn(tmp_path):
    text = "spec t;\nfn f(a: bool) { }\nhandler h() { f(true, false); }\n" + SCEN
    expect(check_text(tmp_path, text), "E201", 3, 15, "f() takes 1 argument, got 2")


def test_wrong_argument_count_builtin(tmp_path):
    text = "spec t;\nvar x: int[0..3];\nhandler h() { atomic_inc(x, 1); }\n" + SCEN
    expect(check_text(tmp_path, text), "E201", 3, 15, "atomic_inc() takes 1 argument, got 2")


def test_wrong_argument_count_cmpxchg(tmp_path):
    text = "spec t;\nvar x: int[0..3];\nhandler h() { let o = cmpxchg(x, 1); }\n" + SCEN
    expect(check_text(tmp_path, text), "E201", 3, 23, "cmpxchg() takes 3 arguments, got 2")


def test_not_a_constant(tmp_path):
    text = "spec t;\nvar x: int[0..3];\nconst A = x;\nhandler h() { }\n" + SCEN
    expect(check_text(tmp_path, text), "E202", 3, 11, "`x` is not a constant")


def test_division_by_zero_in_a_constant(tmp_path):
    text = "spec t;\nconst A = 4 / (2 - 2);\nhandler h() { }\n" + SCEN
    expect(check_text(tmp_path, text), "E202", 2, 11, "division by zero in a constant")


def test_assign_to_a_constant(tmp_path):
    text = "spec t;\nconst A = 1;\nhandler h() { A = 2; }\n" + SCEN
    expect(check_text(tmp_path, text), "E203", 3, 15, "`A` is a constant")


def test_empty_range(tmp_path):
    text = "spec t;\nvar x: int[3..1];\nhandler h() { }\n" + SCEN
    expect(check_text(tmp_path, text), "E204", 2, 8, "empty range int[3..1]")


def test_nullable_enum(tmp_path):
    text = "spec t;\nenum E { A }\nvar x: E?;\nhandler h() { }\n" + SCEN
    expect(check_text(tmp_path, text), "E204", 3, 8, "only references to a pool can be nullable")


def test_loop_bound_too_large(tmp_path):
    text = "spec t;\nhandler h() { while (true) bound 1001 { } }\n" + SCEN
    expect(check_text(tmp_path, text), "E204", 2, 34, "loop bound 1001")


# ---------------------------------------------------------------------- placement


def test_break_outside_a_loop(tmp_path):
    text = "spec t;\nhandler h() { break; }\n" + SCEN
    expect(check_text(tmp_path, text), "E102", 2, 15, "break outside a loop")


def test_expression_that_does_nothing(tmp_path):
    text = "spec t;\nvar x: bool;\nhandler h() { x; }\n" + SCEN
    expect(check_text(tmp_path, text), "E102", 3, 15, "this expression does nothing")


def test_await_not_first_in_atomic(tmp_path):
    text = "spec t;\nvar x: bool;\nhandler h() { atomic { x = true; await (x); } }\n" + SCEN
    expect(check_text(tmp_path, text), "E102", 3, 34, "await inside atomic must be its first")


def test_irq_control_inside_atomic(tmp_path):
    text = "spec t;\nhandler h() { atomic { local_irq_disable(); } }\n" + SCEN
    expect(check_text(tmp_path, text), "E102", 2, 24, "local_irq_disable() inside atomic")


def test_calling_a_handler(tmp_path):
    text = "spec t;\nhandler g() { }\nhandler h() { g(); }\n" + SCEN
    expect(check_text(tmp_path, text), "E102", 3, 15, "`g` is a handler")


def test_recursion(tmp_path):
    text = "spec t;\nfn f() { f(); }\nhandler h() { f(); }\n" + SCEN
    expect(check_text(tmp_path, text), "E103", 2, 10, "f() calls itself (through f -> f)")


# ---------------------------------------------------------------------- scenario


def test_no_scenario(tmp_path):
    expect(check_text(tmp_path, "spec t;\nhandler h() { }\n"), "E300", None, None,
           "the spec has no scenario")


def test_cpu_out_of_range(tmp_path):
    text = "spec t;\nhandler h() { }\nscenario { cpus = 2; run h on cpu 2 in task; }\n"
    expect(check_text(tmp_path, text), "E300", 3, 35, "cpu 2 does not exist",
           "the scenario has 2 CPUs")


def test_too_many_cpus(tmp_path):
    text = "spec t;\nhandler h() { }\nscenario { cpus = 65; run h on cpu 0 in task; }\n"
    expect(check_text(tmp_path, text), "E300", 3, 19, "cpus = 65")


def test_unknown_context(tmp_path):
    text = "spec t;\nhandler h() { }\nscenario { cpus = 2; run h on cpu 0 in thread; }\n"
    expect(check_text(tmp_path, text), "E300", 3, 22, "unknown context `thread`",
           "task, softirq, hardirq, nmi")


def test_duplicate_thread_names(tmp_path):
    text = ("spec t;\nhandler h() { }\n"
            "scenario { cpus = 2; run h on cpu 0 in task as a; run h on cpu 1 in task as a; }\n")
    expect(check_text(tmp_path, text), "E300", 3, 51, "two scenario entries are called `a`")


def test_duplicate_default_thread_names(tmp_path):
    text = ("spec t;\nhandler h() { }\n"
            "scenario { cpus = 2; run h on any cpu in task; run h on any cpu in task; }\n")
    expect(check_text(tmp_path, text), "E300", 3, 48, "two scenario entries are called `h`")


def test_times_zero(tmp_path):
    text = "spec t;\nhandler h() { }\nscenario { run h on cpu 0 in task times 0; }\n"
    expect(check_text(tmp_path, text), "E300", 3, 41, "times 0")


# ---------------------------------------------------------------------- files


def test_missing_file(tmp_path):
    expect(run("check", str(tmp_path / "nope.kspec")), "E010", None, None, "no such file")


def test_directory(tmp_path):
    expect(run("check", str(tmp_path)), "E010", None, None, "is a directory")


def test_empty_file(tmp_path):
    expect(check_text(tmp_path, ""), "E012", None, None, "the spec is empty")


def test_whitespace_only_file(tmp_path):
    expect(check_text(tmp_path, "  \n\t\n   \r\n"), "E012", None, None, "the spec is empty")


def test_comment_only_file(tmp_path):
    # not empty text, but no scenario: still a clean error, not a crash
    expect(check_text(tmp_path, "// nothing here\n"), "E300", None, None, "no scenario")


def test_binary_file(tmp_path):
    expect(check_text(tmp_path, b"spec t;\x00\x01\x02"), "E011", None, None,
           "is a binary file")


def test_non_utf8_file(tmp_path):
    expect(check_text(tmp_path, b"spec t;\n// caf\xe9\n"), "E011", None, None,
           "not UTF-8 text (bad byte at offset 14)")


def test_deeply_nested_brackets(tmp_path):
    text = "spec t;\nconst A = " + "(" * 5000 + "1" + ")" * 5000 + ";\n"
    expect(check_text(tmp_path, text), "E013", None, None, "nest deeper than 200 levels")


def test_unclosed_deep_brackets(tmp_path):
    expect(check_text(tmp_path, "spec t;\nconst A = " + "(" * 5000), "E013", None, None)


def test_deep_unary_chain(tmp_path):
    text = "spec t;\nconst A = " + "!" * 5000 + "1;\n"
    expect(check_text(tmp_path, text), "E013", None, None, "nests too deeply")


def test_long_operator_chain(tmp_path):
    text = "spec t;\nconst A = " + "+".join(["1"] * 5000) + ";\n"
    expect(check_text(tmp_path, text), "E013", None, None, "nests too deeply")


def test_long_else_if_chain_is_E013_not_a_crash():
    text = ("spec t;\nvar x: int[0..9];\nhandler h() { if (x == 0) { } "
            + "else if (x == 1) { } " * 3000 + "}\n" + SCEN)
    with pytest.raises(SpecError) as e:
        parse_text(text, "t.kspec")
    assert e.value.code == "E013"


# ---------------------------------------------------------------------- command line


def _spec(tmp_path: Path) -> Path:
    p = tmp_path / "c.kspec"
    p.write_text("spec c;\nconst N = 2;\nvar x: int[0..3];\nhandler h() { atomic_inc(x); }\n"
                 "invariant small: x <= 3;\n" + SCEN)
    return p


def test_const_unknown_name(tmp_path):
    expect(run("check", str(_spec(tmp_path)), "--const", "M=1"), "E400", None, None,
           "--const M: the spec declares no constant `M`", "one of: N")


def test_const_not_an_integer(tmp_path):
    expect(run("check", str(_spec(tmp_path)), "--const", "N=abc"), "E400", None, None,
           "--const N=abc: expected NAME=VALUE")


def test_const_without_value(tmp_path):
    expect(run("check", str(_spec(tmp_path)), "-D", "N"), "E400", None, None,
           "--const N: expected NAME=VALUE")


def test_const_accepted_forms(tmp_path):
    p = str(_spec(tmp_path))
    for value in ("N=3", "N=0x3", "N=true"):
        code, out = run("check", p, "--const", value)
        assert code == 0, out


def test_only_unknown_property(tmp_path):
    expect(run("verify", str(_spec(tmp_path)), "--only", "nope"), "E400", None, None,
           "--only nope: no such property", "small")


# The installed console script, not the typer app: that is what users run.
REFINE = shutil.which("refine", path=str(Path(sys.executable).parent))


def _installed(*args: str) -> tuple[int, str]:
    assert REFINE, "the refine console script is not installed next to this python"
    r = subprocess.run([REFINE, *args], capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout + r.stderr


def test_installed_script_bad_spec_is_clean(tmp_path):
    p = tmp_path / "bad.kspec"
    p.write_text("spec t;\nvar x: int[0..3] @ 0;\n")
    code, out = _installed("check", str(p))
    assert code == 2 and "Traceback" not in out and "error[E002]" in out and ":2:18:" in out


@pytest.mark.parametrize("args", [["check"], ["check", "X.kspec", "--bogus"], ["frob"],
                                  ["verify", "X.kspec", "--depth", "abc"]],
                         ids=["missing-arg", "unknown-option", "unknown-command", "bad-int"])
def test_installed_script_usage_errors_exit_2_without_traceback(tmp_path, args):
    args = [str(_spec(tmp_path)) if a == "X.kspec" else a for a in args]
    code, out = _installed(*args)
    assert "Traceback" not in out, out
    assert code == 2, out


def test_every_code_is_documented():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "errors.md").read_text()
    for code in CODES:
        assert f"## {code}" in doc, code
