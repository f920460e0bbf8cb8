"""`python -m refine` runs the command line."""
from .cli.main import run

run()
