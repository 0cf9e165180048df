"""Check the offline docs site in headless Chromium.

Every notebook in nbs/ must have a page; every page must load, carry its notebook's title, and have no broken
internal link (missing page or anchor) and no image that fails to load. A screenshot of the home page is saved
as _docs/home.png for people to look at; the pipeline report the build put beside the pages (report.html) must open
with its pictures, and its screenshot is kept as _docs/report.png. Extra HTML files to check can be passed as
arguments and are copied into the site first."""
import json, re, sys, shutil, threading, configparser, functools
from http.server import ThreadingHTTPServer, SimpleHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlparse, unquote

root = Path(__file__).resolve().parent.parent
cfg = configparser.ConfigParser(delimiters=['=']); cfg.read(root/'settings.ini')
site = root/cfg['DEFAULT'].get('doc_path', '_docs')
chrome_flags = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
                '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']

def chromium():
    for p in ('/usr/bin/chromium', '/usr/bin/chromium-browser', shutil.which('chromium') or '', shutil.which('google-chrome') or ''):
        if p and Path(p).exists(): return p
    sys.exit('docs check: Chromium not found; install it (Debian/Ubuntu: apt-get install chromium)')

def expected_pages():
    "Page file and title for every notebook, from the same front matter the site build used."
    sys.path.insert(0, str(root/'.ci'))
    from docs import front_matter
    out = {}
    for p in sorted((root/'_proc').glob('*.ipynb')):
        nb = json.loads(p.read_text(encoding='utf-8'))
        fm = next((front_matter(''.join(c['source'])) for c in nb['cells'] if c['cell_type']=='raw'), {})
        name = 'index' if p.stem=='index' else Path(fm.get('output-file', p.stem+'.html')).stem
        out[f'{name}.html'] = fm.get('title', p.stem)
    for nb in (root/'nbs').glob('*.ipynb'):
        if not (root/'_proc'/nb.name).exists(): out[f'{nb.stem}.html (not processed)'] = nb.stem
    return out

def main(extra=()):
    if not (site/'index.html').exists(): sys.exit(f'docs check: {site}/index.html missing; run `make docs` first')
    for f in extra: shutil.copy(f, site/Path(f).name)
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
    handler = functools.partial(Quiet, directory=str(site))
    srv = ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f'http://127.0.0.1:{srv.server_address[1]}/'
    from playwright.sync_api import sync_playwright
    errors, pages = [], expected_pages()
    pages.update({Path(f).name: None for f in extra})
    pages['report.html'] = 'design_decomp report'
    with sync_playwright() as pw:
        br = pw.chromium.launch(executable_path=chromium(), headless=True, args=chrome_flags)
        pg = br.new_page(viewport={'width': 1280, 'height': 900})
        ids_cache = {}
        def ids_of(fn):
            if fn not in ids_cache:
                f = site/fn
                ids_cache[fn] = set(re.findall(r'\bid="([^"]+)"', f.read_text(encoding='utf-8'))) if f.exists() else None
            return ids_cache[fn]
        for fn, title in pages.items():
            if not (site/fn).exists(): errors.append(f'{fn}: page missing (title {title!r})'); continue
            resp = pg.goto(base+fn, wait_until='load')
            if not resp or resp.status!=200: errors.append(f'{fn}: HTTP {resp.status if resp else "no response"}'); continue
            if title and title not in pg.title(): errors.append(f'{fn}: title {pg.title()!r} lacks {title!r}')
            if title and not pg.locator('h1').count(): errors.append(f'{fn}: no <h1> heading')
            bad_imgs = pg.evaluate("""() => [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80))""")
            errors += [f'{fn}: image does not load: {s}' for s in bad_imgs]
            for href in pg.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)"):
                u = urlparse(href)
                if not href.startswith(base): continue
                target = unquote(u.path[1:]) or 'index.html'
                ids = ids_of(target)
                if ids is None: errors.append(f'{fn}: broken link to {target}'); continue
                if u.fragment and u.fragment not in ids: errors.append(f'{fn}: broken anchor {target}#{u.fragment}')
            if fn=='index.html': pg.screenshot(path=str(site/'home.png'), full_page=False)
            if fn=='report.html':
                n_img = pg.evaluate("() => document.images.length")
                if n_img < 5: errors.append(f'report.html: {n_img} pictures, expected the loss curves, designs and decompositions')
                pg.screenshot(path=str(site/'report.png'), full_page=False)
        br.close()
    srv.shutdown()
    if errors: sys.exit('docs check failed:\n  ' + '\n  '.join(errors))
    print(f'docs check: {len(pages)} pages load with their titles, links and images; screenshots {site/"home.png"}, {site/"report.png"}')

if __name__=='__main__': main(sys.argv[1:])
