"""`import`: library modules placed before the spec, once each, errors pointing into them."""
from __future__ import annotations

import pytest

from refine.check import imports
from refine.errors import SpecError

from tests.conftest import program

USES_LLIST = """spec uses; import llist;
pool Job[2] { next: Job?; }
var h: llist_head<Job>;
handler add() { llist_add(Job#0, h); }
scenario { run add on cpu 0 in task; }
"""


def test_an_imported_module_is_usable_and_its_steps_name_the_library_function():
    prog = program(USES_LLIST)
    texts = [ins.text for ins in prog.threads[0].code if getattr(ins, "visible", False)]
    assert any(t.startswith("llist_add: ") for t in texts), texts


def test_importing_twice_declares_once():
    program(USES_LLIST.replace("import llist;", "import llist, llist; import llist;"))


def test_unknown_module_lists_the_library():
    with pytest.raises(SpecError) as e:
        program(USES_LLIST.replace("import llist;", "import lists;"))
    assert e.value.code == "E100" and "llist" in e.value.expected and "lockdep" in e.value.expected


def test_a_name_the_library_declares_cannot_be_declared_again():
    with pytest.raises(SpecError) as e:
        program(USES_LLIST + "fn llist_empty() { }\n")
    assert e.value.code == "E101"


@pytest.fixture
def library(tmp_path, monkeypatch):
    """A library folder of the test's own: write modules into the returned path."""
    monkeypatch.setattr(imports, "LIBRARY", tmp_path)
    imports._module.cache_clear()
    yield tmp_path
    imports._module.cache_clear()


def test_an_error_inside_a_library_module_names_its_file(library):
    (library / "broken.kspec").write_text("fn f() {\n    let x = missing;\n}\n")
    with pytest.raises(SpecError) as e:
        program("spec s; import broken;\nhandler h() { f(); }\n"
                "scenario { run h on cpu 0 in task; }")
    err = e.value
    assert (err.path, err.line, err.code) == ("kernel/broken.kspec", 2, "E100")
    assert "let x = missing;" in err.render()


def test_a_library_module_has_no_scenario(library):
    (library / "bad.kspec").write_text("scenario { run h on cpu 0 in task; }\n")
    with pytest.raises(SpecError) as e:
        program("spec s; import bad;\nhandler h() { }\nscenario { run h on cpu 0 in task; }")
    assert e.value.code == "E102"


def test_every_bundled_module_loads_on_its_own():
    for name in imports.modules():
        program(f"spec s; import {name};\nhandler h() {{ }}\n"
                "scenario { cpus = 2; run h on cpu 0 in task; }")
