"""Building one thread's instruction list: forward labels, patched when they are placed."""
from __future__ import annotations

from ..ir.model import Branch, Expr, Goto, Instr


class Label:
    def __init__(self):
        self.pos: int | None = None
        self.users: list[int] = []


class Emitter:
    def __init__(self):
        self.code: list[Instr] = []

    def emit(self, ins: Instr) -> int:
        self.code.append(ins)
        return len(self.code) - 1

    def branch(self, cond: Expr, label: Label) -> None:
        """if cond goto label (label must be placed later: every jump goes forward)."""
        label.users.append(self.emit(Branch(cond, -1)))

    def goto(self, label: Label) -> None:
        label.users.append(self.emit(Goto(-1)))

    def place(self, label: Label) -> None:
        label.pos = len(self.code)
        for i in label.users:
            ins = self.code[i]
            self.code[i] = (Branch(ins.cond, label.pos) if isinstance(ins, Branch)
                            else Goto(label.pos))
