"End-to-end tests of the console scripts, as a user runs them (tiny sizes, seconds)."
import json, subprocess, sys, os
from pathlib import Path
import numpy as np
import pytest

BIN = Path(sys.executable).parent

def run(*args, ok=True):
    r = subprocess.run([str(BIN/args[0]), *map(str, args[1:])], capture_output=True, text=True, timeout=600)
    if ok: assert r.returncode==0, f"{args}\n{r.stdout}\n{r.stderr}"
    else: assert r.returncode!=0, f"{args} should have failed\n{r.stdout}"
    return r

@pytest.fixture(scope='module')
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp('cli')/'data'
    r = run('dd_data', '--out', d, '--n', 60, '--size', 32, '--seed', 1, '--workers', 2)
    assert 'wrote 60 designs' in r.stdout
    return d

def test_dd_data_refuses_other_settings(data):
    r = run('dd_data', '--out', data, '--n', 60, '--size', 48, ok=False)
    assert 'size: 32 there, 48 asked' in r.stderr

def test_train_resume_validate_decompose(data, tmp_path):
    ck = tmp_path/'ck'
    run('dd_train_encoder', '--data', data, '--epochs', 1, '--batch_size', 16, '--lr', 3e-3, '--width', 4, '--out', ck)
    r = run('dd_train_encoder', '--data', data, '--epochs', 2, '--batch_size', 16, '--lr', 3e-3, '--width', 4, '--out', ck,
            '--resume', ck/'encoder_epoch_1.pth')
    assert 'at epoch 2 of 2' in r.stdout and (ck/'encoder_epoch_2.pth').exists()
    r = run('dd_train_encoder', '--data', data, '--validate', '--checkpoint', ck/'encoder_best.pth')
    res = json.loads(r.stdout[r.stdout.index('{'):])
    assert {'iou_text', 'iou_image', 'colour_acc', 'hier_mse'} <= set(res)
    img = np.load(data/'images'/'000009.npy')
    from PIL import Image
    Image.fromarray(img).resize((80, 48)).save(tmp_path/'odd.jpg')
    run('dd_decompose', tmp_path/'odd.jpg', '--checkpoint', ck/'encoder_best.pth', '--out', tmp_path/'dec')
    f = np.load(tmp_path/'dec'/'odd_ftensor.npy')
    assert f.shape==(4, 48, 80) and f.dtype==np.uint8
    r = run('dd_decompose', tmp_path/'missing.png', '--checkpoint', ck/'encoder_best.pth', '--out', tmp_path/'dec', ok=False)
    assert 'missing.png: no such image' in r.stderr
