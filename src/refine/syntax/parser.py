"""Text to syntax tree: load the file, run the Lark grammar, turn parse failures into SpecErrors."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import (UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken,
                             VisitError)

from ..errors import SpecError
from . import ast as A

MAX_BYTES = 2_000_000
MAX_NESTING = 200


def _grammar_path() -> Path:
    here = Path(__file__).resolve().parent.parent
    for p in (here / "grammar" / "kspec.lark", here.parent.parent / "grammar" / "kspec.lark"):
        if p.is_file():
            return p
    raise FileNotFoundError("grammar/kspec.lark is missing from the installation")


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(_grammar_path().read_text(), parser="lalr", propagate_positions=True,
                maybe_placeholders=True)


_FILE = [""]  # the library file being parsed (empty for the user's spec), stamped on spans


def _number(tok: Token) -> int:
    """Decimal or 0x hex. C reads a leading zero as octal: refuse it rather than guess."""
    text = str(tok)
    if len(text) > 1 and text[0] == "0" and text[1] not in "xX":
        raise SpecError("E001", f"number {text} has a leading zero: kspec numbers are decimal "
                        "or hex, never octal", line=tok.line, col=tok.column,
                        expected=f"{int(text, 10)} (decimal) or 0x... (hex)")
    return int(text, 0)


def _span(meta) -> A.Span:
    if getattr(meta, "empty", True):
        return A.NOWHERE
    return A.Span(meta.line, meta.column, meta.end_line, meta.end_column, _FILE[0])


def _tok_span(tok: Token) -> A.Span:
    return A.Span(tok.line, tok.column, tok.end_line or tok.line, tok.end_column or tok.column)


@v_args(meta=True)
class _ToAst(Transformer):
    """One method per grammar rule alias; each returns an AST node with its span."""

    def start(self, meta, items):
        name = ""
        decls = []
        for it in items:
            if isinstance(it, tuple) and it and it[0] == "spec":
                name = it[1]
            else:
                decls.append(it)
        return A.Spec(name, tuple(decls), span=_span(meta))

    def spec_decl(self, meta, items):
        return ("spec", str(items[0]))

    # declarations
    def const_decl(self, meta, items):
        return A.ConstDecl(str(items[0]), items[1], span=_span(meta))

    def enum_decl(self, meta, items):
        return A.EnumDecl(str(items[0]), tuple(str(t) for t in items[1:]), span=_span(meta))

    def import_decl(self, meta, items):
        return A.ImportDecl(tuple(str(t) for t in items), span=_span(meta))

    def struct_decl(self, meta, items):
        name, tparams, *fields = items
        return A.StructDecl(str(name), tuple(fields), tparams or (), span=_span(meta))

    def tparams(self, meta, items):
        return tuple(str(t) for t in items)

    def pool_decl(self, meta, items):
        dyn, name, size, *fields = items
        return A.PoolDecl(str(name), size, tuple(i for i in fields if i is not None),
                          dynamic=dyn is not None, span=_span(meta))

    def field(self, meta, items):
        return A.FieldDecl(str(items[0]), items[1], span=_span(meta))

    def var_mod(self, meta, items):
        return str(items[0])

    def var_decl(self, meta, items):
        mods = [i for i in items if isinstance(i, str) and not isinstance(i, Token)]
        rest = [i for i in items if not (isinstance(i, str) and not isinstance(i, Token))]
        name, typ, init = rest[0], rest[1], rest[2] if len(rest) > 2 else None
        return A.VarDecl(str(name), typ, init, ghost="ghost" in mods, percpu="percpu" in mods,
                         perthread="perthread" in mods, span=_span(meta))

    def t_bool(self, meta, items):
        return A.TBool(span=_span(meta))

    def t_int(self, meta, items):
        return A.TInt(items[0], items[1], span=_span(meta))

    def t_nullable(self, meta, items):
        return A.TNamed(str(items[0]), True, span=_span(meta))

    def t_named(self, meta, items):
        return A.TNamed(str(items[0]), False, span=_span(meta))

    def t_generic(self, meta, items):
        return A.TNamed(str(items[0]), False, tuple(items[1:]), span=_span(meta))

    def t_array(self, meta, items):
        return A.TArray(items[0], items[1], span=_span(meta))

    def dom_named(self, meta, items):
        return A.Domain(name=str(items[0]), span=_span(meta))

    def dom_range(self, meta, items):
        return A.Domain(lo=items[0], hi=items[1], span=_span(meta))

    def fn_decl(self, meta, items):
        name, tparams, *middle, ret, body = items
        params = tuple(p for p in middle if p is not None)
        return A.FnDecl(str(name), params, ret, body, tparams or (), span=_span(meta))

    def param_type(self, meta, items):
        return A.Param(str(items[0]), None, False, span=_span(meta))

    def param_value(self, meta, items):
        return A.Param(str(items[0]), items[1], False, span=_span(meta))

    def param_ref(self, meta, items):
        return A.Param(str(items[0]), items[1], True, span=_span(meta))

    def handler_decl(self, meta, items):
        return A.HandlerDecl(str(items[0]), items[1], span=_span(meta))

    def invariant_decl(self, meta, items):
        return A.InvariantDecl(str(items[0]), items[1], span=_span(meta))

    def init_decl(self, meta, items):
        return A.InitDecl(items[0], span=_span(meta))

    def disable_decl(self, meta, items):
        return A.DisableDecl(str(items[0]), _unquote(items[1]), span=_span(meta))

    def scenario_decl(self, meta, items):
        cpus = None
        runs = []
        for it in items:
            if isinstance(it, A.RunDecl):
                runs.append(it)
            else:
                cpus = it[1]
        return A.ScenarioDecl(cpus, tuple(runs), span=_span(meta))

    def scen_cpus(self, meta, items):
        return ("cpus", items[0])

    def run_decl(self, meta, items):
        handler, where, ctx, *opts = items
        kw = {"times": None, "alias": None, "when": None}
        for key, val in opts:
            kw[key] = val
        return A.RunDecl(str(handler), where, str(ctx), kw["times"], kw["alias"], kw["when"],
                         span=_span(meta))

    def on_cpu(self, meta, items):
        return items[0]

    def on_any(self, meta, items):
        return None

    def opt_times(self, meta, items):
        return ("times", items[0])

    def opt_as(self, meta, items):
        return ("alias", str(items[0]))

    def opt_when(self, meta, items):
        return ("when", items[0])

    # statements
    def block(self, meta, items):
        return A.Block(tuple(items), span=_span(meta))

    def s_let(self, meta, items):
        return A.Let(str(items[0]), items[1], items[2], items[3], span=_span(meta))

    def s_assign(self, meta, items):
        return A.Assign(items[0], items[1], items[2], span=_span(meta))

    def s_expr(self, meta, items):
        return A.ExprStmt(items[0], items[1], span=_span(meta))

    def maps(self, meta, items):
        *actions, when = items
        return A.Maps(tuple(actions), when, span=_span(meta))

    def map_action(self, meta, items):
        name, *rest = items
        returns = rest.pop()
        return A.MapAction(str(name), tuple(a for a in rest if a is not None), returns,
                           span=_span(meta))

    # refinement mappings
    def refines_decl(self, meta, items):
        name, consts, *parts = items
        pools = tuple(p[1] for p in parts if p[0] == "pool")
        hidden = tuple(h for p in parts if p[0] == "hidden" for h in p[1])
        maps = tuple(p[1] for p in parts if p[0] == "map")
        start = tuple(p[1] for p in parts if p[0] == "start")
        return A.RefinesDecl(str(name), pools, hidden, maps, start, consts or (),
                             span=_span(meta))

    def refine_with(self, meta, items):
        return tuple(items)

    def const_bind(self, meta, items):
        return (str(items[0]), items[1], _span(meta))

    def r_start(self, meta, items):
        *actions, when = items
        return ("start", A.Maps(tuple(actions), when, span=_span(meta)))

    def r_pool(self, meta, items):
        return ("pool", (str(items[0]), str(items[1]), _span(meta)))

    def r_hidden(self, meta, items):
        return ("hidden", tuple(items))

    def hidden_name(self, meta, items):
        return (".".join(str(t) for t in items if t is not None), _span(meta))

    def r_map(self, meta, items):
        name, *idx, value = items
        return ("map", A.VarMap(str(name), tuple(idx), value, span=_span(meta)))

    def s_if(self, meta, items):
        return A.If(items[0], items[1], items[2], span=_span(meta))

    def s_while(self, meta, items):
        return A.While(items[0], items[1], items[2], span=_span(meta))

    def s_for(self, meta, items):
        return A.For(str(items[0]), items[1], items[2], span=_span(meta))

    def s_return(self, meta, items):
        return A.Return(items[0], span=_span(meta))

    def s_break(self, meta, items):
        return A.Break(span=_span(meta))

    def s_continue(self, meta, items):
        return A.Continue(span=_span(meta))

    def s_atomic(self, meta, items):
        return A.Atomic(items[1], items[0], span=_span(meta))

    def s_await(self, meta, items):
        return A.Await(items[0], span=_span(meta))

    def s_assert(self, meta, items):
        msg = _unquote(items[1]) if items[1] is not None else None
        return A.Assert(items[0], msg, span=_span(meta))

    def s_check(self, meta, items):
        return A.CheckStmt(str(items[0]), items[1], _unquote(items[2]), span=_span(meta))

    # expressions
    def e_ite(self, meta, items):
        return A.Cond(items[0], items[1], items[2], span=_span(meta))

    def e_or(self, meta, items):
        return A.Binary("||", items[0], items[1], span=_span(meta))

    def e_and(self, meta, items):
        return A.Binary("&&", items[0], items[1], span=_span(meta))

    def e_cmp(self, meta, items):
        return A.Binary(str(items[1]), items[0], items[2], span=_span(meta))

    def e_arith(self, meta, items):
        return A.Binary(str(items[1]), items[0], items[2], span=_span(meta))

    def e_not(self, meta, items):
        return A.Unary("!", items[0], span=_span(meta))

    def e_neg(self, meta, items):
        return A.Unary("-", items[0], span=_span(meta))

    def e_field(self, meta, items):
        return A.Field(items[0], str(items[1]), span=_span(meta))

    def e_index(self, meta, items):
        return A.Index(items[0], items[1], span=_span(meta))

    def e_num(self, meta, items):
        return A.Num(_number(items[0]), span=_span(meta))

    def e_true(self, meta, items):
        return A.BoolLit(True, span=_span(meta))

    def e_false(self, meta, items):
        return A.BoolLit(False, span=_span(meta))

    def e_null(self, meta, items):
        return A.Null(span=_span(meta))

    def e_name(self, meta, items):
        return A.Name(str(items[0]), span=_span(meta))

    def e_object(self, meta, items):
        return A.Object(str(items[0]), _number(items[1]), span=_span(meta))

    def e_call(self, meta, items):
        name, *args = items
        return A.Call(str(name), tuple(a for a in args if a is not None), span=_span(meta))

    def e_quant(self, meta, items):
        return A.Quant(str(items[0]), str(items[1]), items[2], items[3], span=_span(meta))


def _unquote(tok) -> str:
    s = str(tok)[1:-1]
    return s.replace('\\"', '"').replace("\\\\", "\\")


_FRIENDLY = {
    "SEMICOLON": "';'", "RBRACE": "'}'", "LBRACE": "'{'", "RPAR": "')'", "LPAR": "'('",
    "NAME": "a name", "NUMBER": "a number", "STRING": "a string", "COLON": "':'",
    "EQUAL": "'='", "COMMA": "','", "RSQB": "']'", "LSQB": "'['", "$END": "end of file",
}


def _terminal_text(name: str) -> str:
    if name in _FRIENDLY:
        return _FRIENDLY[name]
    for t in _parser().terminals:
        if t.name == name and t.pattern.type == "str":
            return repr(t.pattern.value)
    return {"QUANT": "forall/exists/count", "CMP": "a comparison", "ADDOP": "'+' or '-'",
            "MULOP": "'*', '/' or '%'", "CHECK_NAME": "a check name"}.get(name, name.lower())


def _expected(names) -> str:
    # punctuation first: a missing ';' or '}' is the likeliest fix
    shown = sorted({_terminal_text(n) for n in names if not n.startswith("__ANON")},
                   key=lambda t: (t[1:-1].isalnum() if t[:1] == "'" else True, t))
    if len(shown) > 10:
        shown = shown[:10] + ["..."]
    return ", ".join(shown)


def _nesting_ok(text: str) -> bool:
    depth = best = 0
    for ch in text:
        if ch in "({[":
            depth += 1
            best = max(best, depth)
        elif ch in ")}]":
            depth -= 1
    return best <= MAX_NESTING


def _missing_semicolon(text: str, e: UnexpectedToken) -> tuple[int, int] | None:
    """When ';' would have fitted and the bad token starts a later line, the fix is at the end
    of the previous code line: point there, where the user has to type."""
    if "SEMICOLON" not in e.expected or e.token.start_pos is None:
        return None
    before = text[:e.token.start_pos]
    lines = before.split("\n")
    if len(lines) < 2 or lines[-1].strip():
        return None
    for back in range(len(lines) - 2, -1, -1):
        code = lines[back].split("//")[0].rstrip()
        if code:
            return back + 1, len(code) + 1
    return None


def parse_text(text: str, path: str = "<spec>", library: bool = False) -> A.Spec:
    """library: the text is a module of the kernel library; its spans name the file."""
    def err(code, msg, line=0, col=0, expected=""):
        return SpecError(code, msg, path, line, col, expected, text)

    if not text.strip():
        raise err("E012", "the spec is empty", expected="a spec: `spec NAME;` then declarations")
    if len(text) > MAX_BYTES:
        raise err("E013", f"the spec is larger than {MAX_BYTES} bytes")
    if not _nesting_ok(text):
        raise err("E013", f"brackets nest deeper than {MAX_NESTING} levels")
    try:
        tree = _parser().parse(text)
    except UnexpectedCharacters as e:
        raise err("E002", f"unexpected character {text[e.pos_in_stream]!r}", e.line, e.column,
                  _expected(e.allowed or ())) from None
    except UnexpectedEOF as e:
        lines = text.splitlines() or [""]
        raise err("E003", "the spec ends in the middle of a declaration", len(lines),
                  len(lines[-1]) + 1, _expected(e.expected)) from None
    except UnexpectedToken as e:
        if e.token.type == "$END":
            lines = text.splitlines() or [""]
            raise err("E003", "the spec ends in the middle of a declaration", len(lines),
                      len(lines[-1]) + 1, _expected(e.expected)) from None
        missing = _missing_semicolon(text, e)
        if missing is not None:
            raise err("E001", f"missing ';' before {str(e.token)!r} on the next line",
                      *missing, "';'") from None
        raise err("E001", f"unexpected {str(e.token)!r}", e.line, e.column,
                  _expected(e.expected)) from None
    except UnexpectedInput as e:  # any other parse failure still gets a position
        raise err("E001", "cannot parse this", getattr(e, "line", 0), getattr(e, "column", 0)) \
            from None
    except RecursionError:
        raise err("E013", "the spec nests too deeply to parse") from None
    _FILE[0] = path if library else ""
    try:
        spec = _ToAst().transform(tree)
    except (RecursionError, VisitError) as e:
        if isinstance(e, VisitError) and isinstance(e.orig_exc, SpecError):
            raise err(e.orig_exc.code, e.orig_exc.message, e.orig_exc.line, e.orig_exc.col,
                      e.orig_exc.expected) from None
        if isinstance(e, VisitError) and not isinstance(e.orig_exc, RecursionError):
            raise
        raise err("E013", "the spec nests too deeply to parse (a very long expression or "
                  "else-if chain?)") from None
    finally:
        _FILE[0] = ""
    return A.Spec(spec.name, spec.decls, path=path, source=text, span=spec.span)


def parse_file(path: str) -> A.Spec:
    p = Path(path)
    try:
        with p.open("rb") as f:  # never more than the limit: a huge file, or /dev/zero
            data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise SpecError("E010", f"no such file: {path}", path) from None
    except IsADirectoryError:
        raise SpecError("E010", f"{path} is a directory, not a spec file", path) from None
    except OSError as e:
        raise SpecError("E010", f"cannot read {path}: {e.strerror}", path) from None
    if len(data) > MAX_BYTES:
        raise SpecError("E013", f"{path} is larger than {MAX_BYTES} bytes", path,
                        expected="a spec of at most 2 MB")
    if b"\x00" in data:
        raise SpecError("E011", f"{path} is a binary file, not a spec", path,
                        expected="a UTF-8 text file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SpecError("E011", f"{path} is not UTF-8 text (bad byte at offset {e.start})",
                        path, expected="a UTF-8 text file") from None
    return parse_text(text, path)
