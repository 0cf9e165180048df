"""Check the offline docs site in headless Chromium.

Every notebook in nbs/ must have a page; every page must load, carry its notebook's title, and have no broken
internal link (missing page or anchor) and no image that fails to load. A screenshot of the home page is saved
as _docs/home.png for people to look at; the pipeline report the build put beside the pages (report.html) must open
with its pictures, and its screenshot is kept as _docs/report.png. Extra HTML files to check can be passed as
arguments and are copied into the site first.

Formulas are checked as Chromium shows them, after KaTeX has run: no page may show raw TeX in its visible text
outside code (a `$...$` holding a command, sub/superscript or braces, any `$$...$$`, a backslash-paren or
backslash-bracket delimiter), nor a formula KaTeX could not parse (`.katex-error`) or a command it does not know
(it shows those in red); a page whose notebook has formulas must show them typeset (`.katex`) in KaTeX's own fonts.
Every request a page makes must go to the local site (others are stopped and reported: no CDN), and none may fail.
The page with the most formulas is kept as _docs/math.png, scrolled to its first one."""
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

def processed():
    "`(page name, processed notebook, its front matter)` of every notebook in _proc/, as the site build named them."
    sys.path.insert(0, str(root/'.ci'))
    from docs import front_matter
    for p in sorted((root/'_proc').glob('*.ipynb')):
        nb = json.loads(p.read_text(encoding='utf-8'))
        fm = next((front_matter(''.join(c['source'])) for c in nb['cells'] if c['cell_type']=='raw'), {})
        yield ('index' if p.stem=='index' else Path(fm.get('output-file', p.stem+'.html')).stem), nb, dict(fm, stem=p.stem)

def expected_pages():
    "Page file and title for every notebook, from the same front matter the site build used."
    out = {f'{name}.html': fm.get('title', fm['stem']) for name, nb, fm in processed()}
    for nb in (root/'nbs').glob('*.ipynb'):
        if not (root/'_proc'/nb.name).exists(): out[f'{nb.stem}.html (not processed)'] = nb.stem
    return out

_math = re.compile(r'\$\$.+?\$\$|(?<![\\$])\$[^$\n]+?(?<!\\)\$', re.S)

def math_in(src)->int:
    "How many formulas a notebook's markdown (cells and markdown outputs, e.g. docstrings) holds, code spans left out."
    n = 0
    for t in src:
        t = re.sub(r'```.*?```|`[^`\n]*`', '', t, flags=re.S)
        n += len(_math.findall(t))
    return n

def expected_math():
    "Page file -> number of formulas in the markdown of its processed notebook."
    out = {}
    for name, nb, fm in processed():
        src = [''.join(c['source']) for c in nb['cells'] if c['cell_type']=='markdown']
        src += [''.join(o['data']['text/markdown']) for c in nb['cells'] for o in c.get('outputs', []) if 'text/markdown' in o.get('data', {})]
        out[f'{name}.html'] = math_in(src)
    return out

# Runs in the page once it has loaded: the visible text outside code and outside typeset formulas, one string per
# block (so a formula split by markup is seen whole), and what KaTeX made of the page.
MATH_JS = r"""async () => {
  await document.fonts.ready;
  const skip = 'script, style, noscript, template, textarea, pre, code, .katex, .katex-display, .katex-error';
  const blocks = new Map();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || !n.nodeValue.trim() || el.closest(skip)) continue;
    if (el.checkVisibility && !el.checkVisibility()) continue;
    const block = el.closest('p, li, td, th, h1, h2, h3, h4, h5, h6, dt, dd, blockquote, figcaption, div') || document.body;
    blocks.set(block, (blocks.get(block) || '') + n.nodeValue);
  }
  const fonts = [...document.fonts].filter(f => f.family.replace(/["']/g, '').startsWith('KaTeX_'));
  return {
    texts: [...blocks.values()],
    katex: document.querySelectorAll('.katex').length,
    errors: [...document.querySelectorAll('.katex-error')].map(e => (e.getAttribute('title') || '') + ': ' + e.textContent.slice(0, 80)),
    unknown: [...document.querySelectorAll('.katex-html *')].filter(e => !e.children.length && /^\\[A-Za-z]+$/.test(e.textContent)).map(e => e.textContent),
    renderer: typeof window.renderMathInElement === 'function' && typeof window.katex === 'object',
    fonts_loaded: fonts.filter(f => f.status === 'loaded').map(f => f.family),
    fonts_failed: fonts.filter(f => f.status === 'error').map(f => f.family),
  };
}"""
_raw_tex = re.compile(r'\$\$.+?\$\$|\$[^$\n]*?(\\[A-Za-z]+|[_^{}])[^$\n]*?\$|\\\(|\\\[', re.S)

def raw_math(texts)->list:
    "Raw TeX left in rendered text: `$...$` holding a command, sub/superscript or braces, `$$...$$`, `\\(` or `\\[`."
    return [m.group(0)[:80] for t in texts for m in _raw_tex.finditer(t)]

def main(extra=()):
    if not (site/'index.html').exists(): sys.exit(f'docs check: {site}/index.html missing; run `make docs` first')
    for f in extra: shutil.copy(f, site/Path(f).name)
    (site/'math.png').unlink(missing_ok=True)
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
    handler = functools.partial(Quiet, directory=str(site))
    srv = ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f'http://127.0.0.1:{srv.server_address[1]}/'
    from playwright.sync_api import sync_playwright
    errors, pages, maths = [], expected_pages(), expected_math()
    math_shot = max(maths, key=maths.get, default=None) if any(maths.values()) else None
    pages.update({Path(f).name: None for f in extra})
    pages['report.html'] = 'design_decomp report'
    with sync_playwright() as pw:
        br = pw.chromium.launch(executable_path=chromium(), headless=True, args=chrome_flags)
        pg = br.new_page(viewport={'width': 1280, 'height': 900})
        outside, failed = [], {}  # requests for anything off the site (a CDN: stopped here) or that failed, per page
        def gate(route):
            if route.request.url.startswith(base): route.continue_()
            else: outside.append(route.request.url[:100]); route.abort()
        pg.route('**/*', gate)
        pg.on('requestfailed', lambda r: r.url.startswith(base) and failed.setdefault(r.url[:100], r.failure))
        pg.on('response', lambda r: r.status >= 400 and failed.setdefault(r.url[:100], f'HTTP {r.status}'))
        n_katex = 0
        ids_cache = {}
        def ids_of(fn):
            if fn not in ids_cache:
                f = site/fn
                ids_cache[fn] = set(re.findall(r'\bid="([^"]+)"', f.read_text(encoding='utf-8'))) if f.exists() else None
            return ids_cache[fn]
        for fn, title in pages.items():
            if not (site/fn).exists(): errors.append(f'{fn}: page missing (title {title!r})'); continue
            outside.clear(); failed.clear()
            resp = pg.goto(base+fn, wait_until='load')
            if not resp or resp.status!=200: errors.append(f'{fn}: HTTP {resp.status if resp else "no response"}'); continue
            m = pg.evaluate(MATH_JS)
            raw = raw_math(m['texts'])
            errors += [f'{fn}: raw TeX shown instead of a formula: {t!r}' for t in raw[:5]]
            if len(raw) > 5: errors.append(f'{fn}: ... and {len(raw)-5} more formulas shown as raw TeX')
            errors += [f'{fn}: KaTeX could not typeset {e!r}' for e in m['errors']]
            errors += [f'{fn}: KaTeX does not know {c} (shown in red)' for c in dict.fromkeys(m['unknown'])]
            want = maths.get(fn, 0)
            if want and not m['renderer']: errors.append(f'{fn}: KaTeX (katex/katex.min.js, katex/auto-render.min.js) did not load')
            if want and m['katex'] < want:
                errors.append(f'{fn}: {m["katex"]} typeset formulas, its notebook has {want}')
            if m['katex'] and not m['fonts_loaded']: errors.append(f'{fn}: formulas not in KaTeX fonts (none loaded)')
            errors += [f'{fn}: KaTeX font does not load: {f}' for f in sorted(set(m['fonts_failed']))]
            n_katex += m['katex']
            if fn==math_shot and m['katex']:
                pg.locator('.katex').first.scroll_into_view_if_needed()
                pg.evaluate("() => window.scrollBy(0, -120)")
                pg.screenshot(path=str(site/'math.png'), full_page=False)
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
            errors += [f'{fn}: request outside the site (the docs must work offline): {u}' for u in dict.fromkeys(outside)]
            errors += [f'{fn}: request failed: {u} ({why})' for u, why in failed.items()]
        br.close()
    srv.shutdown()
    if errors: sys.exit('docs check failed:\n  ' + '\n  '.join(errors))
    shots = ', '.join(str(site/f) for f in ('home.png', 'report.png', 'math.png') if (site/f).exists())
    print(f'docs check: {len(pages)} pages load with their titles, links and images, offline; {n_katex} formulas typeset '
          f'by KaTeX, no raw TeX; screenshots {shots}')

if __name__=='__main__': main(sys.argv[1:])
