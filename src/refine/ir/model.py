"""The transition-system IR that every engine reads.

A lowered spec is one flat vector of integer *slots*: spec state, ghost state, every thread's
locals, program counter and context flags, and each CPU's context stack. A state is a tuple of
ints, one per slot, so both engines see the same thing: the explicit engine hashes tuples, the
symbolic engine declares one bit-vector per slot and frame.

Each thread owns a straight-line program (loops unrolled, calls inlined, all jumps forward).
Visible instructions are the points where a thread can be interrupted; a *step* runs one visible
instruction and every invisible one after it, up to the next visible instruction.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Context levels, lowest first (kernel-semantics.md section 1).
TASK, SOFTIRQ, HARDIRQ, NMI = 0, 1, 2, 3
LEVEL_NAMES = ("task", "softirq", "hardirq", "nmi")

END = -1  # the pc of a thread that has finished all its runs
CUT = "cut"  # a Check that prunes paths past a loop cut short (searches for violations only)


@dataclass(frozen=True)
class Type:
    """A finite type; every value is an int in [lo, hi].

    kind: 'bool' (0/1), 'int', 'enum' (0..k-1, names), 'ref' (0 is NULL, 1..n objects of a pool).
    """

    kind: str
    lo: int
    hi: int
    name: str = ""
    names: tuple[str, ...] = ()
    nullable: bool = True

    def show(self, v: int) -> str:
        if self.kind == "bool":
            return "true" if v else "false"
        if self.kind == "enum":
            return self.names[v] if 0 <= v < len(self.names) else f"?{v}"
        if self.kind == "ref":
            return "NULL" if v == 0 else f"{self.name}#{v - 1}"
        return str(v)


BOOL = Type("bool", 0, 1, "bool")


# ----------------------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Const:
    value: int


@dataclass(frozen=True)
class Slot:
    """A slot whose index is known when lowering (scalars, locals, constant-indexed elements)."""

    index: int


@dataclass(frozen=True)
class Elem:
    """An array element whose index is computed at run time: slot = base + sum(idx_i * stride_i).

    Each index must lie in [0, size_i); an index out of range is the built-in violation
    `bounds` (or `null-deref` when the index came from a NULL reference).
    """

    base: int
    indices: tuple["Expr", ...]
    sizes: tuple[int, ...]
    strides: tuple[int, ...]
    null_based: tuple[bool, ...]  # index i is a reference: value-1 is the offset, 0 is NULL
    line: int = 0


@dataclass(frozen=True)
class Unop:
    op: str  # 'not' | 'neg'
    a: "Expr"


@dataclass(frozen=True)
class Binop:
    op: str  # + - * / % == != < <= > >= and or
    a: "Expr"
    b: "Expr"


@dataclass(frozen=True)
class Ite:
    cond: "Expr"
    then: "Expr"
    other: "Expr"


Expr = Const | Slot | Elem | Unop | Binop | Ite


# ----------------------------------------------------------------------------- effects


@dataclass(frozen=True)
class Assign:
    """target := value. target is a Slot or an Elem; values are checked against the slot's type."""

    target: Slot | Elem
    value: Expr
    line: int = 0


@dataclass(frozen=True)
class Check:
    """A property checked when reached: violated when cond is false.

    prop is the property's name ('assert', 'WARN', 'unwind', ...); an 'unwind' failure means a loop
    bound was too small and makes the verdict inconclusive instead of a violation. A CUT check
    that fails blocks the step: the path is not explored at all.
    """

    cond: Expr
    prop: str
    message: str
    line: int = 0
    subject: str = ""  # use-after-free: the pool, so checks of pools nothing frees are dropped
    file: str = ""  # the library module the check is written in ("" for the spec itself)


Effect = Assign | Check


# ----------------------------------------------------------------------------- instructions


@dataclass(frozen=True)
class Op:
    """A block of effects executed as one.

    visible: a thread may be interrupted before it (it touches shared state or the context).
    guard: the step is enabled only when guard holds (await, lock spinning); only on visible ops.
    choose: (slot, n): a nondeterministic choice. The op always begins a step of its own, and
    the action that runs it names a value 0..n-1, written to slot before the guard is read.
    """

    effects: tuple[Effect, ...]
    visible: bool
    guard: Expr | None = None
    line: int = 0
    text: str = ""
    choose: tuple[int, int] | None = None
    file: str = ""  # the library module the op comes from ("" for the spec itself)
    maps: str = ""  # refinement: the abstract action(s) this op's step is (`act_load(F0)`)


@dataclass(frozen=True)
class Branch:
    """if cond goto target (a later instruction); otherwise fall through."""

    cond: Expr
    target: int


@dataclass(frozen=True)
class Goto:
    target: int


@dataclass(frozen=True)
class RunStart:
    """Start of one run of the handler: the context is pushed on the thread's CPU.

    Visible, but it does not use up the step: the first step of a run is the push plus the first
    real operation. For threads on any CPU the CPU is chosen here. `when` is evaluated with the
    chosen CPU in the thread's cpu slot. reset: slots set to 0 at the start (locals, flags).
    """

    run: int
    when: Expr | None
    reset: tuple[int, ...]
    line: int = 0
    text: str = ""


@dataclass(frozen=True)
class RunEnd:
    """End of one run: the context is popped; a task leaves its CPU."""

    run: int


Instr = Op | Branch | Goto | RunStart | RunEnd


def is_resting(instr: Instr) -> bool:
    """Where a thread may stand between steps."""
    return isinstance(instr, RunStart) or (isinstance(instr, Op) and instr.visible)


# ----------------------------------------------------------------------------- program


@dataclass(frozen=True)
class SlotInfo:
    name: str  # how traces print it: 'total', 'idle.first', 'Job#1.next', 'w0.entry'
    type: Type
    init: int
    kind: str  # 'state' | 'ghost' | 'life' (an object's lifecycle) | 'local' | 'pc' | 'cpu' | 'ctx' | 'sched'
    # | 'abstract' (refinement: the abstract spec's state, carried by the product)
    owner: int = -1  # thread index for locals and thread slots
    library: bool = False  # declared by a kernel library module, not by the spec


@dataclass(frozen=True)
class Thread:
    """One scenario entry: a handler bound to a context level and a CPU (or any CPU)."""

    name: str
    handler: str
    level: int
    cpu: int | None  # None: any CPU, chosen at each run start
    runs: int
    code: tuple[Instr, ...]
    pc_slot: int
    cpu_slot: int
    irq_slot: int  # 1 when this thread's context has IRQs disabled
    preempt_slot: int  # preemption-disable depth
    line: int = 0


@dataclass(frozen=True)
class Invariant:
    name: str
    expr: Expr
    line: int = 0
    text: str = ""
    message: str = ""  # what a violation says, when the name alone does not (built-in checks)


@dataclass(frozen=True)
class Mapped:
    """One conjunct of a refinement check: an abstract scalar and the concrete value the
    mapping gives it (kind 'state'), or what an abstract action returned and what the design's
    step made the program see (kind 'observation'). expr is the comparison."""

    label: str
    kind: str
    expr: Expr
    abstract: Expr
    concrete: Expr
    atype: Type
    ctype: Type
    line: int = 0


@dataclass
class Program:
    """The whole lowered spec: slots, threads, invariants and the scheduler's slots."""

    spec_name: str
    path: str
    cpus: int
    slots: list[SlotInfo]
    threads: list[Thread]
    invariants: list[Invariant]
    # occ[cpu][level]: slot holding 1 + index of the thread occupying that level, 0 if none.
    occ: list[list[int]]
    constants: dict[str, int] = field(default_factory=dict)
    source: str = ""
    checks_off: dict[str, str] = field(default_factory=dict)  # built-in check -> reason
    # properties whose violation ends an execution unreported (not selected with --only)
    silent: frozenset[str] = frozenset()
    # refinement (`refine refines`): the mapping's conjuncts, and the abstract spec's name
    mapped: tuple[Mapped, ...] = ()
    abstract: str = ""

    def initial(self) -> tuple[int, ...]:
        return tuple(s.init for s in self.slots)

    def bounds(self) -> str:
        """The scenario bounds, in words, for every verdict."""
        parts = []
        for t in self.threads:
            where = "any cpu" if t.cpu is None else f"cpu {t.cpu}"
            times = "" if t.runs == 1 else f" x{t.runs}"
            parts.append(f"{t.name}: {t.handler} on {where} in {LEVEL_NAMES[t.level]}{times}")
        return f"{self.cpus} CPU{'s' if self.cpus > 1 else ''}; " + "; ".join(parts)
