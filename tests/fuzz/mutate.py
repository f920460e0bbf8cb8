"""Mutated spec texts for fuzzing the front end (parse, resolve, type check, lower).

The seeds are real specs (specs/, tests/examples/, tests/kernel/specs/) and generated ones;
mutations work on tokens, so most results are near-valid and get deep into the checker rather
than stopping at the first character. `front(text)` runs the whole front end and lets only
refine's own input errors through: anything else escaping it is a crash.
"""
from __future__ import annotations

import random
import re
from functools import lru_cache
from pathlib import Path

from refine.errors import SpecError
from refine.lower.program import lower
from refine.syntax.parser import parse_text

from .specgen import generate

ROOT = Path(__file__).resolve().parents[2]
TOKEN = re.compile(r"\s+|//[^\n]*|/\*.*?\*/|\"(?:[^\"\\\n]|\\.)*\"|0x[0-9a-fA-F]+|\d+|"
                   r"[A-Za-z_][A-Za-z0-9_]*|==|!=|<=|>=|&&|\|\||\.\.|->|.", re.S)
# what a mutation may insert: the language's keywords, built-ins, punctuation, odd numbers
VOCAB = ("spec import const enum struct pool dynamic var ghost percpu perthread fn handler "
         "invariant init scenario disable run on cpu any in task softirq hardirq nmi times as "
         "when cpus let if else while bound for return break continue atomic await assert "
         "check type true false NULL bool int forall exists count self thread NR_CPUS "
         "xchg cmpxchg atomic_inc atomic_dec READ_ONCE WRITE_ONCE nondet object_alloc "
         "object_free object_live local_irq_disable local_irq_save preempt_disable "
         "WARN_ON BUG_ON min max in_nmi llist_add llist_del_all raw_spin_lock irq_work_queue "
         "deadlock range bounds leak nmi-unsafe wait-context").split() + list(
    "{}()[];:,.=<>+-*/%!?#&") + ["..", "->", "==", "&&", "||", "0", "1", "-1", "4096", "4097",
                                 "65", "1000000000000000000000", "0x", "0xffffffffffffffff",
                                 '"s"', "Job#0", "Job#9", "x", "T", "<T>", "\n", "\t", "é", "\\"]


@lru_cache(maxsize=1)
def seed_texts() -> tuple[str, ...]:
    files = sorted((ROOT / "specs").glob("*.kspec")) + \
        sorted((ROOT / "tests/examples").rglob("*.kspec")) + \
        sorted((ROOT / "tests/kernel/specs").rglob("*.kspec"))
    return tuple(p.read_text() for p in files) + tuple(generate(s) for s in range(40))


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def mutate(text: str, rng: random.Random, n: int = 0) -> str:
    """1 to 3 edits. Most keep the text parseable (a name for another name, a number for an
    odd one, a line deleted, duplicated or moved) so the input reaches the checker and the
    lowering; the rest break the syntax (a token deleted, inserted, swapped, the text cut)."""
    for _ in range(n or rng.randint(1, 3)):
        k = rng.random()
        if k < 0.3:
            text = _token_edit(text, rng, "name")
        elif k < 0.5:
            text = _token_edit(text, rng, "number")
        elif k < 0.7:
            lines = text.split("\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            op = rng.randrange(3)
            if op == 0:
                del lines[i]
            elif op == 1:
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        else:
            text = _token_edit(text, rng, "any")
    return text


def _token_edit(text: str, rng: random.Random, what: str) -> str:
    toks = tokens(text) or [rng.choice(VOCAB)]
    if what == "name":
        at = [i for i, t in enumerate(toks) if re.fullmatch(r"[A-Za-z_]\w*", t)]
        if at:
            i = rng.choice(at)
            toks[i] = toks[rng.choice(at)] if rng.random() < 0.7 else rng.choice(VOCAB)
        return "".join(toks)
    if what == "number":
        at = [i for i, t in enumerate(toks) if t[:1].isdigit()]
        if at:
            toks[rng.choice(at)] = str(rng.choice((0, 1, 2, 3, 63, 64, 65, 100, 101, 255, 256,
                                                   1000, 1001, 4096, 4097, 2 ** 31, 2 ** 63,
                                                   10 ** 30)))
        return "".join(toks)
    i = rng.randrange(len(toks))
    k = rng.randrange(5)
    if k == 0:
        del toks[i:i + rng.randint(1, 8)]
    elif k == 1:
        toks[i:i] = toks[i:min(len(toks), i + rng.randint(1, 20))]
    elif k == 2:
        j = rng.randrange(len(toks))
        toks[i], toks[j] = toks[j], toks[i]
    elif k == 3:
        toks.insert(i, rng.choice(VOCAB) + rng.choice(("", " ")))
    else:
        toks = toks[:i] if rng.random() < 0.2 else toks[:i] + [rng.choice(VOCAB)] + toks[i + 1:]
    return "".join(toks)


def random_input(rng: random.Random) -> str:
    """A fuzz input: mostly a mutated seed, sometimes a generated spec mutated, sometimes a
    soup of vocabulary."""
    r = rng.random()
    if r < 0.8:
        return mutate(rng.choice(seed_texts()), rng)
    if r < 0.95:
        return mutate(generate(rng.randrange(10 ** 9)), rng)
    return " ".join(rng.choice(VOCAB) for _ in range(rng.randint(1, 60)))


def front(text: str) -> str:
    """Run parse, resolve, type check and lowering; 'ok' or the error code. Any exception that
    is not a SpecError propagates: that is the crash the fuzzers look for."""
    try:
        lower(parse_text(text, "<fuzz>"))
    except SpecError as e:
        assert e.code, e
        e.render()  # the message itself must not crash either
        return e.code
    return "ok"
