"""`refine verify` in a real pseudo-terminal: colour for a person, the plain text (byte for byte
what a pipe gets) with NO_COLOR, and never a progress line when stderr is a pipe."""
from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios

import pytest

from tests.conftest import ROOT, without_stats

SPEC = "tests/examples/bugs/nmi_rmw.kspec"


def in_terminal(env_extra: dict) -> tuple[int, str, str]:
    """(exit code, what the terminal showed, what went to the stderr pipe)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(TERM="xterm-256color", COLUMNS="200", **env_extra)
    p = subprocess.Popen([sys.executable, "-m", "refine", "verify", SPEC], cwd=ROOT,
                         stdin=slave, stdout=slave, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    err = p.stderr.read().decode()
    return p.wait(), out.decode().replace("\r\n", "\n"), err


@pytest.fixture(scope="module")
def piped() -> str:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    r = subprocess.run([sys.executable, "-m", "refine", "verify", SPEC], cwd=ROOT, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 1 and "\x1b[" not in r.stdout and r.stderr == ""
    return r.stdout


def test_a_terminal_gets_colour_and_the_same_steps(piped):
    code, shown, err = in_terminal({})
    assert code == 1 and err == ""  # no progress line: stderr is a pipe here
    assert "\x1b[" in shown
    assert "\x1b[1;35mnmi_side@0" in shown  # the NMI's thread in the nmi colour
    assert "VIOLATED both_bits" in shown


def test_no_color_gives_exactly_the_plain_text(piped):
    code, shown, err = in_terminal({"NO_COLOR": "1"})
    assert code == 1 and err == ""
    assert without_stats(shown) == without_stats(piped)
