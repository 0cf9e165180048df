"""Several processes under `accelerate launch` (gloo between CPU processes): the same weights everywhere, the one-process step, one set of files, resume across process counts, a killed process."""
import json, os, signal, subprocess, time
from pathlib import Path
import pytest, torch
from design_decomp.core import load_checkpoint

from distributed_worker import BIN, launch, rel_diff

def alone(*args): return launch(args, n=1)

@pytest.fixture(scope='module')
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp('dist')/'data'  # 64 training designs: 4 batches of 16 split evenly
    r = subprocess.run([str(BIN/'dd_data'), '--out', str(d), '--n', '80', '--size', '32', '--seed', '1', '--workers', '2'], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return d

def test_gradient_of_a_split_batch_is_the_whole_batch_gradient(data, tmp_path):
    launch(['grad', '--data', data, '--dump', tmp_path])
    alone('grad', '--data', data, '--dump', tmp_path)
    g2, g1 = torch.load(tmp_path/'grad_2.pth'), torch.load(tmp_path/'grad_1.pth')
    d = rel_diff(g2, g1)
    assert d < 1e-4, f"gradient of 2 processes × 8 vs 1 process × 16: relative difference {d:.2e}"  # BatchNorm and the Dice over the whole batch

def last(run, kind='encoder')->dict: return load_checkpoint(run/f'{kind}_last.pth')['model_state_dict']

def test_two_processes_train_as_one(data, tmp_path):
    o2, o1 = tmp_path/'o2', tmp_path/'o1'
    launch(['train', '--data', data, '--out', o2, '--dump', tmp_path/'d2', '--epochs', 1, '--batch_size', 16])
    alone('train', '--data', data, '--out', o1, '--dump', tmp_path/'d1', '--epochs', 1, '--batch_size', 16)
    info = json.loads((tmp_path/'d2'/'train.json').read_text())
    assert info['world'] == 2 and info['processes_agree'] is True  # (a) every weight and buffer equal, compared at the end of the fit
    d = rel_diff(last(o2), last(o1))
    assert d < 1e-2, f"one epoch of 2 processes × 8 vs 1 process × 16: relative weight difference {d:.2e}"  # (b): float rounding, grown by Adam
    assert sorted(p.name for p in o2.iterdir()) == sorted(p.name for p in o1.iterdir())  # (c) one set of files, as one process writes
    assert len((o2/'encoder_history.csv').read_text().splitlines()) == 2  # a header and one epoch, written once

def test_resume_with_another_number_of_processes(data, tmp_path):
    "A checkpoint of 2 processes continues in 1, and one of 1 in 2, ending where one process all along does."
    import shutil
    launch(['train', '--data', data, '--out', tmp_path/'a', '--dump', tmp_path/'da', '--epochs', 1])
    alone('train', '--data', data, '--out', tmp_path/'b', '--dump', tmp_path/'db', '--epochs', 1)
    shutil.copytree(tmp_path/'b', tmp_path/'c')
    resume = lambda run: ('train', '--data', data, '--out', tmp_path/run, '--dump', tmp_path/f'd{run}', '--epochs', 2, '--resume', tmp_path/run/'encoder_last.pth')
    alone(*resume('a')); launch(resume('b')); alone(*resume('c'))  # c: one process all along
    for run in ('a', 'b'):
        assert load_checkpoint(tmp_path/run/'encoder_last.pth')['epoch'] == 2
        d = rel_diff(last(tmp_path/run), last(tmp_path/'c'))
        assert d < 1e-2, f"run {run} resumed across process counts: relative weight difference {d:.2e} from one process throughout"
    assert json.loads((tmp_path/'db'/'train.json').read_text())['processes_agree'] is True

def test_commands_print_and_write_once(data, tmp_path):
    r = launch(['dd_train_decoder', '--data', data, '--out', tmp_path/'dec', '--epochs', 1, '--batch_size', 8, '--width', 8, '--sample_every', 1, '--seed', 0], script=False)
    assert r.stdout.count('trained epochs 1–1') == 1, r.stdout[-2000:]
    assert sorted(p.name for p in (tmp_path/'dec').glob('*.png')) == ['decoder_history_loss.png', 'decoder_samples_epoch_1.png']
    r = launch(['dd_train_decoder', '--data', data, '--out', tmp_path/'dec2', '--epochs', 1, '--batch_size', 9], script=False, popen=True)
    out, _ = r.communicate(timeout=300)
    assert r.returncode != 0 and '--batch_size 9: the batch is split among 2 processes; use a multiple of 2' in out

def test_a_killed_process_stops_the_run(data, tmp_path):
    out = tmp_path/'k'
    p = launch(['dd_train_encoder', '--data', data, '--out', out, '--epochs', 200, '--batch_size', 16, '--width', 8, '--seed', 0], script=False, popen=True)
    try:
        t = time.time()
        while not (out/'encoder_last.pth').exists():
            assert p.poll() is None and time.time()-t < 180, "no checkpoint written"
            time.sleep(0.2)
        kids = [int(q) for q in subprocess.run(['pgrep', '-P', str(p.pid)], capture_output=True, text=True).stdout.split()]
        rank1 = [k for k in kids if b'RANK=1\0' in Path(f'/proc/{k}/environ').read_bytes()]
        assert len(rank1) == 1, f"workers {kids}"
        os.kill(rank1[0], signal.SIGKILL)
        log, _ = p.communicate(timeout=120)
    finally:
        if p.poll() is None: p.kill()
    assert p.returncode != 0 and 'Signal 9 (SIGKILL)' in log and 'rank      : 1' in log, log[-3000:]
    ck = load_checkpoint(out/'encoder_last.pth')  # written atomically: the last finished epoch, whole
    assert ck['epoch'] >= 1 and ck['seed'] == 0

def test_pipeline_under_a_launcher(tmp_path):
    "dd_pipeline unchanged under accelerate launch: the models trained by both processes, the rest by the main one, one report."
    r = launch(['dd_pipeline', '--tiny', '--out', tmp_path/'p'], script=False)
    assert r.stdout.count('[8/8 report]') == 1 and '× 2 processes' in r.stdout, r.stdout[-2000:]
    st = json.loads((tmp_path/'p'/'pipeline.json').read_text())
    assert st['processes'] == 2 and len(st['stages']) == 8
    assert '× 2 processes' in (tmp_path/'p'/'report.html').read_text()
