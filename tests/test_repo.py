"Repository-level checks: the README is the index notebook, and it gives a new user exactly two commands."
import re, subprocess, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent

def test_readme_matches_index_notebook():
    r = subprocess.run([sys.executable, str(root/'.ci'/'readme.py'), '--check'], capture_output=True, text=True)
    assert r.returncode==0, r.stdout+r.stderr

def test_readme_has_the_two_commands_and_makefile_has_them():
    md = (root/'README.md').read_text()
    block = md.split('## Two commands', 1)[1].split('```sh', 1)[1].split('```', 1)[0]
    cmds = [l.split('#')[0].strip() for l in block.strip().splitlines()]
    assert cmds==['make demo', 'make test'], cmds
    mk = (root/'Makefile').read_text()
    for t in ('demo', 'test'): assert re.search(rf'^{t}:', mk, re.M), f'Makefile lacks target {t}'

def test_ci_runs_the_readme_test_command():
    assert 'make test' in (root/'.ci'/'run').read_text()
