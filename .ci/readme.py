"""README.md is generated from nbs/index.ipynb (nbdev_readme needs Quarto, which may not be installed).

`python .ci/readme.py` writes README.md; `python .ci/readme.py --check` fails if README.md is out of date.
Hidden cells (`#| hide`) are left out, directive lines are dropped, code cells become ```python blocks and their
text outputs plain blocks, picture outputs files under nbs/images/ (decoded from the notebook's stored outputs, so
they are exactly what the notebook shows); relative image links are made relative to the repository root."""
import sys, re, json, base64
from pathlib import Path

root = Path(__file__).resolve().parent.parent
nb_path, readme = root/'nbs'/'index.ipynb', root/'README.md'
_dir = re.compile(r'^\s*#\s*\|\s*(.*)$')

def directives(src): return [m.group(1).strip() for l in src.splitlines() if (m := _dir.match(l))]

def fix_links(md):
    "Images and links relative to nbs/ become relative to the repository root."
    return re.sub(r'(\]\()(?!https?://|#|/)([^)\s]+)', lambda m: m.group(1)+'nbs/'+m.group(2), md)

def render(nb, pictures):
    "README text of notebook `nb`; fills `pictures` with {path: bytes} of the image outputs it links."
    out = ['<!-- Generated from nbs/index.ipynb by `make readme` (.ci/readme.py); edit the notebook, not this file. -->']
    for i,c in enumerate(nb['cells']):
        src = ''.join(c['source'])
        ds = directives(src)
        if any(d.startswith(('hide', 'exec_doc')) or d in ('export', 'exporti') for d in ds): continue
        if c['cell_type']=='markdown': out.append(fix_links(src.strip())); continue
        if c['cell_type']!='code': continue
        code = '\n'.join(l for l in src.splitlines() if not _dir.match(l)).strip()
        if code and not any(d.startswith('echo: false') for d in ds): out.append(f'```python\n{code}\n```')
        for k,o in enumerate(c.get('outputs', [])):
            if 'image/png' in o.get('data', {}):
                fn = f'images/index_{i}_{k}.png'
                pictures[root/'nbs'/fn] = base64.b64decode(''.join(o['data']['image/png']))
                out.append(f'![](nbs/{fn})'); continue
            txt = o.get('text') or o.get('data', {}).get('text/markdown') or o.get('data', {}).get('text/plain')
            if txt is None: continue
            txt = ''.join(txt).rstrip()
            out.append(fix_links(txt) if 'text/markdown' in o.get('data', {}) else f'```\n{txt}\n```')
    return '\n\n'.join(out)+'\n'

if __name__=='__main__':
    pictures = {}
    md = render(json.loads(nb_path.read_text(encoding='utf-8')), pictures)
    if '--check' in sys.argv:
        stale = [str(p.relative_to(root)) for p,b in pictures.items() if not p.exists() or p.read_bytes()!=b]
        if not readme.exists() or readme.read_text(encoding='utf-8')!=md or stale:
            sys.exit('README.md (or its pictures ' + ', '.join(stale) + ') does not match nbs/index.ipynb: run `make readme` and commit')
        print('README.md matches nbs/index.ipynb')
    else:
        for p,b in pictures.items(): p.parent.mkdir(exist_ok=True); p.write_bytes(b)
        readme.write_text(md, encoding='utf-8'); print(f'wrote {readme} and {len(pictures)} pictures')
