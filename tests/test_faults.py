"""The fault-injection suite: bad flags, bad data, bad checkpoints, results in the way, and kill -9 during training,
saving and the pipeline -- each command run as a user runs it (a subprocess), checked for its exit status (0 success,
2 bad usage, 1 failure) and for a one-line message that names the flag or the file.

`CASES` is a plain literal: the docs' *Reliability* page (nbs/05b_reliability.ipynb) reads its table from this file.
In a command, {data} is a 32² dataset of 200 designs, {enc} an Encoder trained on it for one epoch, {file} an existing
file, {img} a design image, {tmp} a fresh folder; the other {names} are the broken datasets and files `env` makes."""
import json, os, pickle, shlex, signal, subprocess, sys, time
from pathlib import Path
import numpy as np, torch
import pytest

BIN = Path(sys.executable).parent

CASES = [
    # class, case, command, exit status, the message names
    ('success', 'dd_data writes a dataset', 'dd_data --out {tmp}/d --n 20 --size 32 --workers 0', 0, 'wrote 20 designs'),
    ('success', 'dd_data --check on a sound dataset', 'dd_data --check --out {data}', 0, 'every design reads and checks'),
    ('success', 'dd_train_encoder trains', 'dd_train_encoder --data {data} --epochs 1 --width 4 --batch_size 16 --seed 1 --out {tmp}/e', 0, 'trained epochs 1–1'),
    ('success', 'dd_train_abstractor trains', 'dd_train_abstractor --data {data} --epochs 1 --width 8 --batch_size 16 --box_epochs 0 --seed 1 --out {tmp}/a', 0, 'trained in'),
    ('success', 'dd_train_decoder trains', 'dd_train_decoder --data {data} --epochs 1 --width 8 --batch_size 16 --sample_every 1 --seed 1 --out {tmp}/g', 0, 'trained epochs 1–1'),
    ('success', 'dd_sample draws designs', 'dd_sample --checkpoint decoder-64 --n 1 --steps 2 --device cpu --out {tmp}/s', 0, 'wrote 1 designs'),
    ('success', 'dd_decompose reads an image', 'dd_decompose {img} --checkpoint {enc} --out {tmp}/r', 0, 'wrote'),
    ('success', 'dd_evaluate measures a checkpoint', 'dd_evaluate encoder --checkpoint {enc} --data {data}', 0, 'criteria (test)'),
    ('success', 'dd_pipeline runs every stage', 'dd_pipeline --tiny --out {tmp}/p', 0, '[8/8 report]'),
    ('success', 'dd_innovate optimises designs', 'dd_innovate --n 1 --steps 2 --judge none --device cpu --out {tmp}/i', 0, 'optimised 1 designs'),
    ('success', 'dd_innovate --image improves a given design', 'dd_innovate --image {img} --steps 2 --device cpu --out {tmp}/i', 0, 'improved 1 designs'),
    ('success', 'dd_train_encoder --validate measures a checkpoint', 'dd_train_encoder --data {data} --validate --checkpoint {enc}', 0, '"iou_text"'),
    ('success', 'resuming into a new folder', 'dd_train_encoder --data {data} --epochs 2 --resume {enc_dir}/encoder_last.pth --out {tmp}/e2', 0, 'trained epochs 2–2'),
    ('flags', 'dd_data --n 0', 'dd_data --out {tmp}/d --n 0', 2, '--n 0'),
    ('flags', 'dd_data --size 8', 'dd_data --out {tmp}/d --size 8', 2, '--size 8'),
    ('flags', 'dd_data --workers -1', 'dd_data --out {tmp}/d --n 5 --workers -1', 2, '--workers -1'),
    ('flags', 'dd_data --out is a file', 'dd_data --out {file} --n 5', 2, 'a file, not a folder'),
    ('flags', 'an unknown flag', 'dd_data --out {tmp}/d --nn 5', 2, 'unrecognized arguments: --nn'),
    ('flags', 'dd_train_encoder --epochs 0', 'dd_train_encoder --data {data} --epochs 0 --out {tmp}/e', 2, '--epochs 0'),
    ('flags', 'dd_train_encoder --lr -1', 'dd_train_encoder --data {data} --lr -1 --out {tmp}/e', 2, '--lr -1'),
    ('flags', 'dd_train_encoder --lr nan', 'dd_train_encoder --data {data} --lr nan --out {tmp}/e', 2, '--lr nan'),
    ('flags', 'dd_train_encoder --batch_size 0', 'dd_train_encoder --data {data} --batch_size 0 --out {tmp}/e', 2, '--batch_size 0'),
    ('flags', 'dd_train_encoder --width 0', 'dd_train_encoder --data {data} --width 0 --out {tmp}/e', 2, '--width 0'),
    ('flags', 'dd_train_encoder --lr_schedule cosine', 'dd_train_encoder --data {data} --lr_schedule cosine --epochs 1 --out {tmp}/e', 2, "schedule 'cosine'"),
    ('flags', 'dd_train_encoder --recipe fast', 'dd_train_encoder --data {data} --recipe fast --out {tmp}/e', 2, "recipe 'fast'"),
    ('flags', 'dd_train_encoder --seed -1', 'dd_train_encoder --data {data} --epochs 1 --seed -1 --out {tmp}/e', 2, '--seed -1'),
    ('flags', 'a device this machine lacks', 'dd_train_encoder --data {data} --epochs 1 --device cuda:7 --out {tmp}/e', 2, '--device cuda:7'),
    ('flags', 'a device that does not exist', 'dd_train_encoder --data {data} --epochs 1 --device banana --out {tmp}/e', 2, '--device banana'),
    ('flags', 'dd_train_encoder --out is a file', 'dd_train_encoder --data {data} --epochs 1 --out {file}', 2, 'a file, not a folder'),
    ('flags', 'dd_train_abstractor --weights 1,2', 'dd_train_abstractor --data {data} --weights 1,2 --out {tmp}/a', 2, '--weights 1,2'),
    ('flags', 'dd_train_abstractor --maxpool maybe', 'dd_train_abstractor --data {data} --maxpool maybe --out {tmp}/a', 2, '--maxpool maybe'),
    ('flags', 'dd_train_abstractor --box_epochs -1', 'dd_train_abstractor --data {data} --box_epochs -1 --out {tmp}/a', 2, '--box_epochs -1'),
    ('flags', 'dd_train_decoder --pred x0', 'dd_train_decoder --data {data} --pred x0 --out {tmp}/g', 2, "--pred 'x0'"),
    ('flags', 'dd_train_decoder --schedule quadratic', 'dd_train_decoder --data {data} --schedule quadratic --out {tmp}/g', 2, "--schedule 'quadratic'"),
    ('flags', 'dd_sample --n 0', 'dd_sample --checkpoint decoder-64 --n 0 --out {tmp}/s', 2, '--n 0'),
    ('flags', 'dd_sample --steps 0', 'dd_sample --checkpoint decoder-64 --steps 0 --out {tmp}/s', 2, '--steps 0'),
    ('flags', 'dd_sample --precision fp16', 'dd_sample --checkpoint decoder-64 --precision fp16 --out {tmp}/s', 2, '--precision fp16'),
    ('flags', 'dd_sample --sampler euler', 'dd_sample --checkpoint decoder-64 --sampler euler --out {tmp}/s', 2, "--sampler 'euler'"),
    ('flags', 'dd_sample --goal party', 'dd_sample --checkpoint decoder-64 --goal party --device cpu --out {tmp}/s', 2, 'valid: promote_event'),
    ('flags', 'dd_sample --tone 1.5', 'dd_sample --checkpoint decoder-64 --tone 1.5 --device cpu --out {tmp}/s', 2, '--tone 1.5'),
    ('flags', 'dd_evaluate of something else', 'dd_evaluate probe', 2, "'probe': use encoder, abstractor or decoder"),
    ('flags', 'dd_evaluate decoder --n 0', 'dd_evaluate decoder --checkpoint decoder-64 --n 0', 2, '--n 0'),
    ('flags', 'dd_evaluate --encoder without --abstractor', 'dd_evaluate decoder --checkpoint decoder-64 --encoder {enc}', 2, '--encoder and --abstractor go together'),
    ('flags', 'dd_innovate --steps 0', 'dd_innovate --steps 0 --out {tmp}/i', 2, '--steps 0'),
    ('flags', 'dd_innovate --weights 1,2', 'dd_innovate --weights 1,2 --out {tmp}/i', 2, '--weights 1,2'),
    ('flags', 'dd_innovate --strength 0', 'dd_innovate --image {img} --strength 0 --out {tmp}/i', 2, '--strength 0'),
    ('flags', 'dd_innovate --keep 1', 'dd_innovate --image {img} --keep 1 --out {tmp}/i', 2, '--keep 1'),
    ('flags', 'dd_pipeline --tiny --full', 'dd_pipeline --tiny --full --out {tmp}/p', 2, "don't go together"),
    ('flags', 'dd_pipeline --size 40', 'dd_pipeline --size 40 --out {tmp}/p', 2, '--size 40'),
    ('flags', 'dd_pipeline --n 50', 'dd_pipeline --n 50 --out {tmp}/p', 2, '--n 50'),
    ('flags', 'dd_pipeline on a device this machine lacks', 'dd_pipeline --tiny --device cuda:7 --out {tmp}/p', 2, '--device cuda:7'),
    ('flags', 'dd_decompose on a device that does not exist', 'dd_decompose {img} --checkpoint {enc} --device banana --out {tmp}/r', 2, '--device banana'),
    ('data', 'no dataset folder', 'dd_train_encoder --data {tmp}/nowhere --epochs 1 --out {tmp}/e', 1, 'no such dataset folder'),
    ('data', 'dd_data --check lists every broken file', 'dd_data --check --out {broken}', 1, '5 problem(s) found'),
    ('data', 'an image stored as floats 0–255', 'dd_data --check --out {broken}', 1, 'images/000001.npy: float64 pixels from'),
    ('data', 'a NaN grammar score', 'dd_data --check --out {broken}', 1, 'metadata/000002.json: v_grammar scores must be numbers in [0, 1], got [nan'),
    ('data', 'a grammar score of 7.5', 'dd_data --check --out {broken}', 1, 'metadata/000003.json: v_grammar scores must be numbers in [0, 1]'),
    ('data', 'a label outside the vocabulary', 'dd_data --check --out {broken}', 1, 'metadata/000004.json: v_Goal 12 is outside the goal vocabulary'),
    ('data', 'a truncated F_Tensor', 'dd_data --check --out {broken}', 1, "f_tensors/000005.npy: can't be read as .npy"),
    ('data', 'training on a broken dataset stops at the file', 'dd_train_encoder --data {broken} --epochs 1 --width 4 --batch_size 16 --out {tmp}/e', 1, 'broken/'),
    ('data', "our dataset without its dataset.json", 'dd_train_encoder --data {nojson} --epochs 1 --out {tmp}/e', 1, "dataset.json: missing, but the F_Tensors are this generator's"),
    ('data', 'dd_data into a dataset of other settings', 'dd_data --out {data} --n 200 --size 48', 1, 'size: 32 there, 48 asked'),
    ('data', 'an image file that is not an image', 'dd_decompose {notimg} --checkpoint {enc} --out {tmp}/r', 1, "can't be read as an image"),
    ('data', 'an image of more than 40 megapixels', 'dd_decompose {huge} --checkpoint {enc} --out {tmp}/r', 1, 'is more than the 40,000,000'),
    ('data', 'an image that does not exist', 'dd_decompose {tmp}/missing.png --checkpoint {enc} --out {tmp}/r', 1, 'missing.png: no such image'),
    ('data', 'an image to improve that does not exist', 'dd_innovate --image {tmp}/missing.png --out {tmp}/i', 1, 'missing.png: no such image'),
    ('checkpoints', 'a checkpoint that does not exist', 'dd_train_encoder --data {data} --validate --checkpoint {tmp}/nope.pth', 1, 'nope.pth: no such file'),
    ('checkpoints', 'a truncated checkpoint', 'dd_sample --checkpoint {truncated} --out {tmp}/s', 1, "can't be read as a safe torch checkpoint"),
    ('checkpoints', 'a checkpoint whose pickle runs code', 'dd_decompose {img} --checkpoint {evil} --out {tmp}/r', 1, "can't be read as a safe torch checkpoint"),
    ('checkpoints', "another model's checkpoint", 'dd_sample --checkpoint {enc} --out {tmp}/s', 1, 'not a decoder'),
    ('checkpoints', 'a pretrained name that is not bundled', 'dd_sample --checkpoint decoder-65 --out {tmp}/s', 1, 'decoder-65'),
    ('results in the way', 'training into the folder of an earlier run', 'dd_train_encoder --data {data} --epochs 1 --out {enc_dir}', 2, 'holds an earlier encoder run'),
    ('results in the way', 'sampling into the folder of earlier designs', 'dd_sample --checkpoint decoder-64 --n 1 --steps 2 --device cpu --out {samples}', 2, 'holds the designs of an earlier run'),
    ('results in the way', 'decomposing into the outputs of an earlier run', 'dd_decompose {img} --checkpoint {enc} --out {decomposed}', 2, 'holds outputs for these images of an earlier run'),
]

def run(cmd:str, **names):
    args = shlex.split(cmd.format(**names))
    return subprocess.run([str(BIN/args[0]), *args[1:]], capture_output=True, text=True, timeout=600)

@pytest.fixture(scope='module')
def env(tmp_path_factory):
    "The datasets, checkpoints and files the cases name."
    from PIL import Image
    from design_decomp.core import save_json, save_npy
    t = tmp_path_factory.mktemp('faults'); e = dict(data=t/'data', file=t/'a_file.txt', enc_dir=t/'enc')
    r = run('dd_data --out {data} --n 200 --size 32 --seed 1 --workers 2', **e); assert r.returncode == 0, r.stderr
    r = run('dd_train_encoder --data {data} --epochs 1 --width 4 --batch_size 16 --seed 1 --out {enc_dir}', **e); assert r.returncode == 0, r.stderr
    e['file'].write_text('not a folder'); e['enc'] = e['enc_dir']/'encoder_best.pth'
    e['img'] = t/'design.png'; Image.fromarray(np.load(e['data']/'images'/'000009.npy')).save(e['img'])
    b = e['broken'] = t/'broken'; subprocess.run(['cp', '-r', str(e['data']), str(b)], check=True)
    np.save(b/'images'/'000001.npy', np.load(b/'images'/'000001.npy').astype(np.float64))        # 0–255 as floats: would train as a white image
    for i, k, v in ((2, 'v_grammar', [float('nan'), .5, .5, .5]), (3, 'v_grammar', [.5, 7.5, .5, .5])):
        m = json.loads((b/'metadata'/f'{i:06d}.json').read_text()); m[k] = v; (b/'metadata'/f'{i:06d}.json').write_text(json.dumps(m))
    m = json.loads((b/'metadata'/'000004.json').read_text()); m['v_meta']['v_Goal'] = 12; save_json(b/'metadata'/'000004.json', m)
    (b/'f_tensors'/'000005.npy').write_bytes((b/'f_tensors'/'000005.npy').read_bytes()[:90])
    e['nojson'] = t/'nojson'; subprocess.run(['cp', '-r', str(e['data']), str(e['nojson'])], check=True); (e['nojson']/'dataset.json').unlink()
    e['notimg'] = t/'text.png'; e['notimg'].write_text('<html>not a picture</html>')
    e['huge'] = t/'huge.png'; Image.new('L', (8000, 6000)).save(e['huge'])   # 48 MP of zeros: 50 KB on disk
    e['truncated'] = t/'truncated.pth'; e['truncated'].write_bytes(e['enc'].read_bytes()[:5000])
    e['evil'] = t/'evil.pth'; e['marker'] = t/'pwned'
    class Evil:
        def __reduce__(self): return (os.system, (f'touch {e["marker"]}',))
    torch.save({'epoch': 1, 'model_state_dict': Evil(), 'optimizer_state_dict': None, 'loss': 0.}, e['evil'])
    e['samples'] = t/'samples'; r = run('dd_sample --checkpoint decoder-64 --n 2 --steps 2 --device cpu --out {samples}', **e); assert r.returncode == 0, r.stderr
    e['decomposed'] = t/'decomposed'; r = run('dd_decompose {img} --checkpoint {enc} --out {decomposed}', **e); assert r.returncode == 0, r.stderr
    return e

@pytest.mark.parametrize('cls,case,cmd,status,says', CASES, ids=[c[1] for c in CASES])
def test_case(env, tmp_path, cls, case, cmd, status, says):
    r = run(cmd, tmp=tmp_path, **env)
    out = r.stdout + r.stderr
    assert r.returncode == status, f"{cmd}: exit status {r.returncode}, expected {status}\n{out[-3000:]}"
    assert says in out, f"{cmd}: {says!r} not in\n{out[-3000:]}"
    if status:
        assert 'Traceback' not in r.stderr, r.stderr[-3000:]
        if 'usage:' not in r.stderr: assert len(r.stderr.strip().splitlines()) == 1, r.stderr   # one line (argparse's own errors add its usage)
    assert not env['marker'].exists()                                   # no pickle ever ran

def test_force_replaces_an_earlier_run_completely(env, tmp_path):
    "--force replaces an earlier training run's results: no stale checkpoint, history row or picture stays."
    out = tmp_path/'e'
    for _ in range(2):
        r = run('dd_train_encoder --data {data} --epochs 1 --width 4 --batch_size 16 --seed 3 --force --out {out}', out=out, **env)
        assert r.returncode == 0, r.stderr
    assert len((out/'encoder_history.csv').read_text().splitlines()) == 2    # a header and the second run's one epoch

def _pids_of_children(pid:int)->list:
    "Process ids whose parent is `pid` (Linux /proc)."
    kids = []
    for p in Path('/proc').iterdir():
        if p.name.isdigit():
            try:
                if int((p/'stat').read_text().rsplit(')', 1)[1].split()[1]) == pid: kids.append(int(p.name))
            except (OSError, IndexError, ValueError): pass
    return kids

def _alive(pid:int)->bool:
    try: return (Path('/proc')/str(pid)/'stat').read_text().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError: return False

def test_kill9_during_training_resumes_to_the_same_weights(env, tmp_path):
    "A seeded run killed with SIGKILL mid-epoch and resumed from its last checkpoint ends with the uninterrupted run's weights, bit for bit."
    cmd = 'dd_train_encoder --data {data} --epochs 4 --width 4 --batch_size 8 --seed 11 --out {out}'
    r = run(cmd, out=tmp_path/'whole', **env); assert r.returncode == 0, r.stderr
    out = tmp_path/'killed'; args = shlex.split(cmd.format(out=out, **env))
    p = subprocess.Popen([str(BIN/args[0]), *args[1:]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    last, t0, killed_after = out/'encoder_last.pth', time.time(), None
    while time.time()-t0 < 300 and p.poll() is None:
        if last.exists():
            try: ep = torch.load(last, weights_only=True)['epoch']
            except Exception: ep = None   # being replaced: read again
            if ep and ep >= 2: os.kill(p.pid, signal.SIGKILL); killed_after = ep; break
        time.sleep(0.02)
    p.wait()
    assert killed_after is not None, 'the run ended before it could be killed mid-way'
    killed_after = torch.load(last, weights_only=True)['epoch']   # the last epoch it finished before the kill
    assert killed_after < 4, 'the run ended before it could be killed mid-way'
    (out/'.encoder_last.pth.x1y2z3.tmp').write_bytes(b'half a checkpoint')   # what a kill during a save leaves
    r = run('dd_train_encoder --data {data} --epochs 4 --out {out} --resume {out}/encoder_last.pth', out=out, **env)
    assert r.returncode == 0, r.stderr
    assert f'trained epochs {killed_after+1}–4' in r.stdout, r.stdout
    assert not list(out.glob('.*.tmp'))                                   # removed when the resumed run started
    for fn in ('encoder_last.pth', 'encoder_best.pth'):
        a, b = (torch.load(d/fn, weights_only=True) for d in (tmp_path/'whole', out))
        assert a['epoch'] == b['epoch'] and a['seed'] == b['seed'] == 11
        for k, v in a['model_state_dict'].items(): assert torch.equal(v, b['model_state_dict'][k]), f'{fn}: {k} differs'

def test_kill9_of_the_pipeline_leaves_no_workers_and_resumes(env, tmp_path):
    "dd_pipeline killed with SIGKILL while its data workers run: the workers die with it, and a rerun completes the dataset and every stage."
    out = tmp_path/'p'
    p = subprocess.Popen([str(BIN/'dd_pipeline'), '--tiny', '--n', '1500', '--out', str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0, kids = time.time(), []
    while time.time()-t0 < 120 and not kids:
        if (out/'data'/'metadata').is_dir() and any((out/'data'/'metadata').iterdir()): kids = _pids_of_children(p.pid)
        time.sleep(0.05)
    assert kids, 'no data workers seen'
    os.kill(p.pid, signal.SIGKILL); p.wait()
    t0 = time.time()
    while time.time()-t0 < 10 and any(_alive(k) for k in kids): time.sleep(0.1)
    assert not any(_alive(k) for k in kids), f'worker processes outlived the pipeline: {[k for k in kids if _alive(k)]}'
    written = len(list((out/'data'/'metadata').glob('*.json')))
    assert 0 < written < 1500
    r = subprocess.run([str(BIN/'dd_pipeline'), '--tiny', '--n', '1500', '--out', str(out)], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    assert json.loads((out/'data'/'dataset.json').read_text())['complete'] and len(list((out/'data'/'metadata').glob('*.json'))) == 1500

def test_report_escapes_what_pipeline_json_holds(env, tmp_path):
    "Whatever a pipeline.json holds reaches the report as text, never as markup."
    from design_decomp.pipeline import write_report
    out = tmp_path/'p'; r = run('dd_pipeline --tiny --out {out}', out=out, **env); assert r.returncode == 0, r.stderr
    st = json.loads((out/'pipeline.json').read_text()); bad = '<script>alert(1)</script>'
    st['command'] = bad; st['config']['preset'] = bad; st['stages']['decompose']['summary']['eval_n'] = bad
    st['stages']['data']['finished'] = bad
    (out/'pipeline.json').write_text(json.dumps(st))
    write_report(out)
    html = (out/'report.html').read_text()
    assert '<script' not in html and '&lt;script&gt;' in html
