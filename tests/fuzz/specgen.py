"""Random small kspec specs, as text, for differential testing of the engines.

Each spec is valid by construction (the front end must accept it) and tiny, so both engines
finish it in a fraction of a second: 1 to 3 shared variables, 1 or 2 handlers of a few
statements, 1 to 3 scenario entries on 1 or 2 CPUs. What it draws from: bool, int[0..k], enum
and pool-reference variables; plain loads and stores and the kernel atomics; if, bounded while,
atomic blocks, await, assert, WARN_ON, nondet, IRQ and preemption control; the library's llist,
raw spinlock and irq_work; invariants; `on any cpu`, `times`, `when`.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

ENUM = ("E_A", "E_B", "E_C")
CONTEXTS = ("task", "softirq", "hardirq", "nmi")


@dataclass
class Var:
    name: str
    kind: str  # 'bool', 'int', 'enum', 'ref'
    hi: int = 1  # int: the range is 0..hi
    init: int = 0  # the initial value: a number, enum index, bool, or object index (-1: NULL)


@dataclass
class _Scope:
    """Locals visible at a point of a handler: name -> kind ('num', 'bool', 'ref')."""
    names: dict = field(default_factory=dict)
    n: int = 0


class SpecGen:
    def __init__(self, seed: int):
        self.r = random.Random(seed)
        self.seed = seed

    # ------------------------------------------------------------------ pieces

    def pick(self, xs):
        return xs[self.r.randrange(len(xs))]

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def value(self, v: Var) -> str:
        """A constant of v's type."""
        if v.kind == "bool":
            return self.pick(("true", "false"))
        if v.kind == "int":
            return str(self.r.randint(0, v.hi))
        if v.kind == "enum":
            return self.pick(ENUM)
        return self.pick(("NULL", "Node#0", "Node#1"))

    def state_cond(self) -> str:
        """A condition read straight from state (invariants, `when`, await, atomic)."""
        return self.state_cond_at_init()[0]

    def state_cond_at_init(self) -> tuple[str, bool]:
        """A state condition and whether it holds in the initial state."""
        v = self.pick(self.vars)
        if v.kind == "bool":
            neg = self.chance(0.5)
            return (f"!{v.name}" if neg else v.name), v.init != neg
        if v.kind in ("int", "enum"):
            ops = ("==", "!=", "<", "<=", ">", ">=") if v.kind == "int" else ("==", "!=")
            op = self.pick(ops)
            k = self.r.randint(0, v.hi) if v.kind == "int" else self.r.randrange(len(ENUM))
            rhs = str(k) if v.kind == "int" else ENUM[k]
            truth = {"==": v.init == k, "!=": v.init != k, "<": v.init < k, "<=": v.init <= k,
                     ">": v.init > k, ">=": v.init >= k}[op]
            return f"{v.name} {op} {rhs}", truth
        if self.chance(0.3):  # pool fields start at 0
            op, k = self.pick(("==", "<=")), self.r.randint(0, 1)
            return f"({v.name} == NULL || {v.name}.val {op} {k})", \
                v.init == -1 or (0 == k if op == "==" else True)
        op, k = self.pick(("==", "!=")), self.r.randint(-1, 1)
        rhs = "NULL" if k == -1 else f"Node#{k}"
        return f"{v.name} {op} {rhs}", (v.init == k) == (op == "==")

    def invariant_expr(self) -> str:
        """Mostly true initially, so that the search gets past the initial state."""
        want = self.chance(0.85)
        for _ in range(6):
            a, ta = self.state_cond_at_init()
            if self.chance(0.4):
                b, tb = self.state_cond_at_init()
                op = self.pick(("||", "&&"))
                a, ta = f"{a} {op} {b}", (ta or tb) if op == "||" else (ta and tb)
            if ta or not want:
                return a
        return a

    # ------------------------------------------------------------------ statements

    def local(self, sc: _Scope, kind: str) -> str:
        sc.n += 1
        name = f"l{sc.n}"
        sc.names[name] = kind
        return name

    def local_cond(self, sc: _Scope) -> str | None:
        names = list(sc.names.items())
        if not names:
            return None
        name, kind = self.pick(names)
        if kind == "bool":
            return name if self.chance(0.5) else f"!{name}"
        if kind == "num":
            return f"{name} {self.pick(('==', '!=', '<', '>'))} {self.r.randint(0, 2)}"
        if kind == "enum":
            return f"{name} == {self.pick(ENUM)}"
        return f"{name} {self.pick(('==', '!='))} NULL"

    def cond(self, sc: _Scope) -> str:
        """A condition for if/while outside atomic: over locals, or a fresh load."""
        c = self.local_cond(sc) if self.chance(0.6) else None
        return c or self.state_cond()

    def access(self, sc: _Scope, v: Var) -> list[str]:
        """One memory operation on v (a step outside atomic)."""
        r, n = self.r, v.name
        if v.kind == "int":
            ops = [
                lambda: f"let {self.local(sc, 'num')} = READ_ONCE({n});",
                lambda: f"WRITE_ONCE({n}, {r.randint(0, v.hi)});",
                lambda: f"{n} = {n} {self.pick(('+', '-'))} 1;",
                lambda: f"atomic_inc({n});",
                lambda: f"atomic_dec({n});",
                lambda: f"atomic_add({n}, {r.randint(1, 2)});",
                lambda: f"let {self.local(sc, 'num')} = atomic_inc_return({n});",
                lambda: f"let {self.local(sc, 'num')} = atomic_fetch_dec({n});",
                lambda: f"let {self.local(sc, 'num')} = atomic_fetch_add({n}, 1);",
                lambda: f"let {self.local(sc, 'num')} = atomic_sub_return({n}, 1);",
                lambda: f"let {self.local(sc, 'num')} = xchg({n}, {r.randint(0, v.hi)});",
                lambda: f"let {self.local(sc, 'num')} = cmpxchg({n}, {r.randint(0, v.hi)}, "
                        f"{r.randint(0, v.hi)});",
            ]
        elif v.kind == "bool":
            ops = [
                lambda: f"let {self.local(sc, 'bool')} = READ_ONCE({n});",
                lambda: f"{n} = {self.value(v)};",
                lambda: f"let {self.local(sc, 'bool')} = xchg({n}, {self.value(v)});",
                lambda: f"let {self.local(sc, 'bool')} = cmpxchg({n}, {self.value(v)}, "
                        f"{self.value(v)});",
            ]
        elif v.kind == "enum":
            ops = [
                lambda: f"let {self.local(sc, 'enum')} = {n};",
                lambda: f"store({n}, {self.value(v)});",
                lambda: f"let {self.local(sc, 'enum')} = cmpxchg({n}, {self.value(v)}, "
                        f"{self.value(v)});",
            ]
        else:
            ops = [
                lambda: f"let {self.local(sc, 'ref')} = {n};",
                lambda: f"{n} = {self.value(v)};",
                lambda: f"let {self.local(sc, 'ref')} = xchg({n}, {self.value(v)});",
                lambda: f"let {self.local(sc, 'ref')} = cmpxchg({n}, {self.value(v)}, "
                        f"{self.value(v)});",
                lambda: self.deref(sc, n),
            ]
        out = self.pick(ops)()
        return out if isinstance(out, list) else [out]

    def deref(self, sc: _Scope, n: str) -> list[str]:
        """Load a reference and touch the object it names (NULL-checked or not)."""
        p = self.local(sc, "ref")
        body = self.pick((f"{p}.val = {self.r.randint(0, 1)};", f"atomic_inc({p}.val);",
                          f"assert({p}.val <= 1);"))
        if self.chance(0.8):
            return [f"let {p} = {n};", f"if ({p} != NULL) {{", f"    {body}", "}"]
        return [f"let {p} = {n};", body]

    def atomic_block(self, sc: _Scope) -> list[str]:
        out = ["atomic {"]
        if self.chance(0.5):
            out.append(f"    await ({self.state_cond()});")
        for _ in range(self.r.randint(1, 2)):
            v = self.pick(self.vars)
            if v.kind == "int":
                out.append(f"    {v.name} = {self.pick(('0', v.name + ' + 1', str(v.hi)))};")
            else:
                out.append(f"    {v.name} = {self.value(v)};")
        if self.chance(0.3):
            out.append("    ghost_n = ghost_n + 1;")
            self.uses_ghost = True
        out.append("}")
        return out

    def library(self, sc: _Scope) -> list[str]:
        lib = self.pick(sorted(self.libs))
        if lib == "llist":
            job = f"Job#{self.r.randint(0, 1)}"
            return [self.pick((
                lambda: f"let {self.local(sc, 'bool')} = llist_add({job}, lst);",
                lambda: f"let {self.local(sc, 'ref')} = llist_del_all(lst);",
                lambda: f"let {self.local(sc, 'ref')} = llist_del_first(lst);"))()]
        if lib == "spinlock":
            if self.chance(0.3):
                t = self.local(sc, "bool")
                inner = _Scope(dict(sc.names), sc.n)
                body = self.critical(inner)
                sc.n = inner.n
                return [f"let {t} = raw_spin_trylock(lk);", f"if ({t}) {{",
                        *["    " + s for s in body], "    raw_spin_unlock(lk);", "}"]
            if self.chance(0.3):
                f = self.local(sc, "bool")
                return [f"let {f} = raw_spin_lock_irqsave(lk);",
                        *self.critical(sc), f"raw_spin_unlock_irqrestore(lk, {f});"]
            return ["raw_spin_lock(lk);", *self.critical(sc), "raw_spin_unlock(lk);"]
        return [f"let {self.local(sc, 'bool')} = irq_work_queue(iw);"]

    def critical(self, sc: _Scope) -> list[str]:
        v = self.pick(self.vars)
        return self.access(sc, v)

    def stmt(self, sc: _Scope, depth: int) -> list[str]:
        r = self.r
        k = r.random()
        if k < 0.45 or depth > 1:
            return self.access(sc, self.pick(self.vars))
        if k < 0.55:
            body = self.stmts(sc, depth + 1, r.randint(1, 2))
            out = [f"if ({self.cond(sc)}) {{", *["    " + s for s in body]]
            if self.chance(0.3):
                out += ["} else {", *["    " + s for s in self.stmts(sc, depth + 1, 1)]]
            return out + ["}"]
        if k < 0.62:
            return self.retry_loop(sc)
        if k < 0.7:
            return self.atomic_block(sc)
        if k < 0.74:
            return [f"await ({self.state_cond()});"]
        if k < 0.8:
            c = self.local_cond(sc) or self.state_cond()
            return [self.pick((f"assert({c});", f"WARN_ON(!({c}));"))]
        if k < 0.86 and self.libs:
            return self.library(sc)
        if k < 0.9:
            return [f"if (nondet()) {{", *["    " + s for s in self.stmts(sc, depth + 1, 1)],
                    "}"]
        if k < 0.95:
            on, off = self.pick((("local_irq_disable();", "local_irq_enable();"),
                                 ("preempt_disable();", "preempt_enable();")))
            inner = self.stmts(sc, depth + 1, 1)
            return [on, *inner, off] if self.chance(0.9) else [on, *inner]
        self.uses_ghost = True
        return ["ghost_n = ghost_n + 1;"]

    def retry_loop(self, sc: _Scope) -> list[str]:
        """The kernel's cmpxchg retry loop on an int, bound 2 (may run out: unwind)."""
        ints = [v for v in self.vars if v.kind == "int"]
        if not ints:
            inner = _Scope(dict(sc.names), sc.n)
            body = self.access(inner, self.pick(self.vars))
            sc.n = inner.n
            return [f"while ({self.state_cond()}) bound 2 {{", *["    " + s for s in body],
                    *(["    break;"] if self.chance(0.5) else []), "}"]
        v = self.pick(ints)
        old = self.local(sc, "num")
        sc.n += 1
        seen = f"l{sc.n}"  # local to the loop body: not visible after it
        return [f"let {old} = {v.name};",
                f"while (true) bound {self.r.randint(1, 2)} {{",
                f"    if ({old} >= {v.hi}) {{", "        break;", "    }",
                f"    let {seen} = cmpxchg({v.name}, {old}, {old} + 1);",
                f"    if ({seen} == {old}) {{", "        break;", "    }",
                f"    {old} = {seen};", "}"]

    def stmts(self, sc: _Scope, depth: int, n: int) -> list[str]:
        out = []
        for _ in range(n):
            inner = _Scope(dict(sc.names), sc.n) if depth else sc
            out += self.stmt(inner, depth)
            sc.n = inner.n  # fresh names stay unique through the handler
        return out

    # ------------------------------------------------------------------ the spec

    def spec(self) -> str:
        r = self.r
        self.uses_ghost = False
        self.vars = []
        kinds = ["int", "int", "bool", "enum", "ref"]
        for i in range(r.randint(1, 3)):
            kind = self.pick(kinds)
            self.vars.append(Var(f"v{i}", kind, r.randint(1, 3) if kind == "int" else 1))
        self.libs = set()
        if self.chance(0.25):
            self.libs.add(self.pick(("llist", "spinlock", "irq_work")))
        head = [f"spec fuzz_{self.seed};"]
        if self.libs:
            head.append(f"import {', '.join(sorted(self.libs))};")
        if any(v.kind == "enum" for v in self.vars):
            head.append(f"enum E {{ {', '.join(ENUM)} }}")
        if any(v.kind == "ref" for v in self.vars):
            head.append("pool Node[2] { val: int[0..2]; }")
        if "llist" in self.libs:
            head += ["pool Job[2] { next: Job?; }", "var lst: llist_head<Job>;"]
        if "spinlock" in self.libs:
            head.append("var lk: raw_spinlock_t;")
        if "irq_work" in self.libs:
            head.append("var iw: irq_work;")
        decls = []
        for v in self.vars:
            ty = {"bool": "bool", "int": f"int[0..{v.hi}]", "enum": "E", "ref": "Node?"}[v.kind]
            init = ""
            if self.chance(0.5):
                v.init = self.r.randint(-1, 1) if v.kind == "ref" else \
                    self.r.randint(0, v.hi) if v.kind == "int" else \
                    self.r.randrange(len(ENUM)) if v.kind == "enum" else self.r.randint(0, 1)
                init = " = " + (("NULL" if v.init < 0 else f"Node#{v.init}") if v.kind == "ref"
                                else str(v.init) if v.kind == "int" else
                                ENUM[v.init] if v.kind == "enum" else
                                ("true" if v.init else "false"))
            elif v.kind == "ref":
                v.init = -1
            decls.append(f"var {v.name}: {ty}{init};")
        handlers = []
        for h in range(r.randint(1, 2)):
            sc = _Scope()
            body = self.stmts(sc, 0, r.randint(1, 3))
            handlers += [f"handler h{h}() {{", *["    " + s for s in body], "}"]
        nh = len([x for x in handlers if x.startswith("handler")])
        if "irq_work" in self.libs:
            handlers += ["handler cb() {", "    irq_work_run_begin(iw);",
                         "    irq_work_run_end(iw);", "}"]
        invs = [f"invariant inv{i}: {self.invariant_expr()};"
                for i in range(r.choice((0, 0, 1, 1, 2)))]
        if self.uses_ghost:
            decls.append("ghost var ghost_n: int[0..4];")
        cpus = r.randint(1, 2)
        runs = []
        for e in range(r.randint(1, 3) if nh > 1 else r.randint(1, 2)):
            where = "any cpu" if cpus > 1 and self.chance(0.25) else f"cpu {r.randrange(cpus)}"
            ctx = self.pick(CONTEXTS)
            opts = f" as e{e}"
            if self.chance(0.15):
                opts += " times 2"
            if self.chance(0.15):
                opts += f" when ({self.state_cond()})"
            runs.append(f"    run h{r.randrange(nh)} on {where} in {ctx}{opts};")
        if "irq_work" in self.libs:
            runs.append("    run cb on any cpu in hardirq when (irq_work_raised(iw)) as cbe;")
        scen = ["scenario {", f"    cpus = {cpus};", *runs, "}"]
        return "\n".join(head + decls + handlers + invs + scen) + "\n"


def generate(seed: int) -> str:
    """The spec of this seed: the same text on every machine and Python run."""
    return SpecGen(seed).spec()
