"""The parser builds the right syntax tree, with spans, for a small spec."""
from __future__ import annotations

import pytest

from refine.syntax import ast as A
from refine.syntax.parser import parse_text

SRC = """\
spec small;
const N = 0x2;
enum Owner { IDLE, BUSY, }
pool Job[N] { next: Job?; }
percpu ghost var seen: [Job] bool = false;
var head: Job? = NULL;

fn push(n: Job, h: &Job?) -> bool {
    let first = h;
    n.next = first;
    return first == NULL;
}

handler h() {
    let x: int[0..3] = 1 + 2 * 3;
    if (x > 1 && !false || x == 0) { atomic { await (head == NULL); head = Job#1; } }
    while (x < 3) bound 2 { x = x + 1; }
}

invariant ok: head == NULL || head != NULL;
disable WARN "not this spec";
scenario {
    cpus = 2;
    run h on any cpu in nmi times 2 as n when (cpu == 0);
    run h on cpu 1 in task;
}
"""


@pytest.fixture(scope="module")
def spec() -> A.Spec:
    return parse_text(SRC, "small.kspec")


def decl(spec, cls, i=0):
    return [d for d in spec.decls if isinstance(d, cls)][i]


def test_header_and_declaration_order(spec):
    assert spec.name == "small" and spec.path == "small.kspec"
    assert [type(d).__name__ for d in spec.decls] == [
        "ConstDecl", "EnumDecl", "PoolDecl", "VarDecl", "VarDecl", "FnDecl", "HandlerDecl",
        "InvariantDecl", "DisableDecl", "ScenarioDecl"]


def test_constants_enums_pools(spec):
    c = decl(spec, A.ConstDecl)
    assert c.name == "N" and c.value == A.Num(2)
    assert c.span.line == 2 and c.span.col == 1
    assert decl(spec, A.EnumDecl).members == ("IDLE", "BUSY")
    p = decl(spec, A.PoolDecl)
    assert p.name == "Job" and p.size == A.Name("N")
    assert p.fields == (A.FieldDecl("next", A.TNamed("Job", True)),)
    assert p.fields[0].span.line == 4 and p.fields[0].span.col == 15


def test_variable_modifiers_types_and_initialisers(spec):
    seen = decl(spec, A.VarDecl, 0)
    assert seen.ghost and seen.percpu and seen.name == "seen"
    assert seen.type == A.TArray(A.Domain(name="Job"), A.TBool())
    assert seen.init == A.BoolLit(False)
    head = decl(spec, A.VarDecl, 1)
    assert not head.ghost and not head.percpu
    assert head.type == A.TNamed("Job", True) and head.init == A.Null()
    assert (head.span.line, head.span.col, head.span.end_line) == (6, 1, 6)


def test_function_params_and_return(spec):
    fn = decl(spec, A.FnDecl)
    assert fn.name == "push"
    assert [(p.name, p.by_ref) for p in fn.params] == [("n", False), ("h", True)]
    assert fn.params[1].type == A.TNamed("Job", True)
    assert fn.ret == A.TBool()
    ret = fn.body.stmts[-1]
    assert isinstance(ret, A.Return)
    assert ret.value == A.Binary("==", A.Name("first"), A.Null())
    assert (ret.span.line, ret.span.col) == (11, 5)
    assign = fn.body.stmts[1]
    assert assign == A.Assign(A.Field(A.Name("n"), "next"), A.Name("first"))


def test_precedence(spec):
    let = decl(spec, A.HandlerDecl).body.stmts[0]
    assert let.name == "x" and isinstance(let.type, A.TInt)
    assert let.value == A.Binary("+", A.Num(1), A.Binary("*", A.Num(2), A.Num(3)))
    cond = decl(spec, A.HandlerDecl).body.stmts[1].cond
    # || is loosest, then &&, then comparisons; ! binds tightest
    assert cond == A.Binary("||", A.Binary("&&", A.Binary(">", A.Name("x"), A.Num(1)),
                                           A.Unary("!", A.BoolLit(False))),
                            A.Binary("==", A.Name("x"), A.Num(0)))


def test_spans_of_expressions(spec):
    let = decl(spec, A.HandlerDecl).body.stmts[0]
    # `1 + 2 * 3` on line 15 starts at column 24 and ends after the 3
    s = let.value.span
    assert (s.line, s.col, s.end_line, s.end_col) == (15, 24, 15, 33)
    s = let.value.right.span
    assert (s.col, s.end_col) == (28, 33)


def test_atomic_await_and_objects(spec):
    if_ = decl(spec, A.HandlerDecl).body.stmts[1]
    atomic = if_.then.stmts[0]
    assert isinstance(atomic, A.Atomic)
    aw, asg = atomic.body.stmts
    assert aw == A.Await(A.Binary("==", A.Name("head"), A.Null()))
    assert asg == A.Assign(A.Name("head"), A.Object("Job", 1))
    assert if_.other is None


def test_while_with_bound(spec):
    w = decl(spec, A.HandlerDecl).body.stmts[2]
    assert isinstance(w, A.While) and w.bound == A.Num(2)
    assert w.cond == A.Binary("<", A.Name("x"), A.Num(3))
    assert w.span.line == 17


def test_invariant_disable_scenario(spec):
    assert decl(spec, A.InvariantDecl).name == "ok"
    d = decl(spec, A.DisableDecl)
    assert (d.check, d.reason) == ("WARN", "not this spec")
    sc = decl(spec, A.ScenarioDecl)
    assert sc.cpus == A.Num(2)
    r0, r1 = sc.runs
    assert (r0.handler, r0.cpu, r0.context, r0.times, r0.alias) == ("h", None, "nmi", A.Num(2), "n")
    assert r0.when == A.Binary("==", A.Name("cpu"), A.Num(0))
    assert (r1.cpu, r1.context, r1.times, r1.alias, r1.when) == (A.Num(1), "task", None, None, None)
    assert (r1.span.line, r1.span.col) == (25, 5)


def test_else_if_chain_and_ternary():
    s = parse_text("handler h() { if (a) { } else if (b) { } else { let y = a ? 1 : b ? 2 : 3; } }")
    if_ = s.decls[0].body.stmts[0]
    assert isinstance(if_.other, A.If)
    let = if_.other.other.stmts[0]
    # ?: is right-associative
    assert let.value == A.Cond(A.Name("a"), A.Num(1), A.Cond(A.Name("b"), A.Num(2), A.Num(3)))


def test_comments_are_ignored_and_header_is_optional():
    s = parse_text("/* a\n block */ var x: bool; // trailing\n")
    assert s.name == "" and s.decls == (A.VarDecl("x", A.TBool(), None),)
    assert s.decls[0].span.line == 2


def test_assert_with_message_and_escapes():
    s = parse_text('handler h() { assert(x, "say \\"hi\\""); assert(y); }')
    a, b = s.decls[0].body.stmts
    assert a.message == 'say "hi"' and b.message is None



@pytest.mark.parametrize("kind", ["forall", "exists", "count"])
def test_quantifiers_parse(kind):
    s = parse_text(f"invariant i: {kind} j in Job: (owner[j] == IDLE);")
    q = s.decls[0].expr
    assert q == A.Quant(kind, "j", A.Domain(name="Job"), A.Binary("==", A.Index(A.Name("owner"), A.Name("j")),
                                                     A.Name("IDLE")))
