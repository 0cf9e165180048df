"""Benchmark: training in several processes (`accelerate launch`) against one, on this machine's CPUs.

1. Equivalence (the Encoder, `best` recipe, one epoch): the gradient of one global batch split between 2 processes
   against one process's on the whole batch; the weights of the 2 processes after the epoch (identical?) and against
   one process's with the same global batch.
2. Throughput: designs per second of training, 1 process using every core against 2 processes of 1 thread each —
   on one machine they share the same cores, so this measures the overhead of splitting, not scaling.
3. Data loading at 256²: designs per second of the Encoder's and the Decoder's DataLoaders, with 0 and 2 workers —
   the figure a GPU's step rate must be set against (no GPU measured here unless `--device cuda` works).

Writes bench/distributed.json (entry cpu_{size}) with the commands, the machine and the figures.

    .venv/bin/python bench/distributed.py --size 64 --n 320
"""
import argparse, json, os, shutil, sys, time
from pathlib import Path

root = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(root/'tests'))
from distributed_worker import launch as _launch, rel_diff as rel, WORKER

def launch(args:list, n:int)->str:
    "Run the worker in `n` processes (`distributed_worker.launch`); the command, as recorded."
    _launch(args, n); return ' '.join(['tests/distributed_worker.py', *map(str, args)]) + (f'  (accelerate launch, {n} processes)' if n > 1 else '')

def loader_rate(data, task:str, workers:int, bs:int=32, passes:int=2)->float:
    "Designs per second of the training DataLoader of `task` over `passes` epochs (after one batch of warm-up)."
    from design_decomp.data import design_dls
    dl = design_dls(data, task, bs=bs, device='cpu', num_workers=workers).train
    next(iter(dl)); n, t = 0, time.time()
    for _ in range(passes):
        for b in dl: n += len(b[0])
    return n/(time.time()-t)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0]); a = p.add_argument
    a('--size', type=int, default=64); a('--n', type=int, default=320); a('--n_256', type=int, default=320)
    a('--out', default=str(Path(__file__).with_suffix('.json')))
    args = p.parse_args()
    import torch
    from design_decomp.core import machine_info, update_json, load_checkpoint
    from design_decomp.data import generate_dataset
    os.chdir(root); runs = Path('bench')/'runs'/'distributed'; runs.mkdir(parents=True, exist_ok=True)
    m = machine_info('cpu'); print(m)
    data = runs/f'data_{args.size}'
    generate_dataset(data, n=args.n, size=args.size, seed=5, n_workers=2)
    ntrain = json.loads((data/'dataset.json').read_text())['counts']['train']
    res = dict(date=time.strftime('%Y-%m-%d %H:%M'), machine=m, data=dict(n=args.n, size=args.size, train=ntrain, seed=5), commands={})
    # 1. equivalence, and 2. throughput (the same runs)
    g = runs/'grad'; shutil.rmtree(g, ignore_errors=True)
    for n in (2, 1): res['commands'][f'grad_{n}'] = launch(['grad', '--data', data, '--dump', g, '--batch_size', 8, '--width', 0], n)
    res['gradient_rel_diff_2x4_vs_1x8'] = rel(torch.load(g/'grad_2.pth'), torch.load(g/'grad_1.pth'))
    for kind, bs in (('encoder', 8), ('decoder', 16)):
        e = res[kind] = dict(batch_size=bs)
        for n in (1, 2):
            o, d = runs/f'{kind}_{n}', runs/f'{kind}_{n}_dump'
            shutil.rmtree(o, ignore_errors=True); shutil.rmtree(d, ignore_errors=True)
            e.setdefault('commands', {})[n] = launch(['train', '--kind', kind, '--data', data, '--out', o, '--dump', d, '--epochs', 1, '--batch_size', bs, '--width', 0, '--seed', 3], n)
            info = json.loads((d/'train.json').read_text()); s = info['train_seconds']
            e[f'designs_per_s_{n}_process'] = round(ntrain/s, 2); e[f'train_seconds_{n}_process'] = round(s, 1)
            if n == 2: e['ranks_identical'] = info['processes_agree']  # every weight and buffer compared across the processes at the end of the fit
        w = lambda o: load_checkpoint(o/f'{kind}_last.pth')['model_state_dict']
        e['weights_rel_diff_2_vs_1_process'] = rel(w(runs/f'{kind}_2'), w(runs/f'{kind}_1'))
        if kind == 'encoder':  # the floor: one process, the same seed and data, 1 thread instead of 2 (only the order of float sums changes)
            o, d = runs/'encoder_1t', runs/'encoder_1t_dump'; shutil.rmtree(o, ignore_errors=True)
            e['commands']['1_thread'] = launch(['train', '--kind', kind, '--data', data, '--out', o, '--dump', d, '--epochs', 1, '--batch_size', bs, '--width', 0, '--seed', 3, '--threads', 1], 1)
            e['weights_rel_diff_1_thread_vs_2_threads'] = rel(w(o), w(runs/f'{kind}_1'))
        e['speed_2_vs_1_process'] = round(e['designs_per_s_2_process']/e['designs_per_s_1_process'], 3)
        print(kind, e)
    res['note'] = ("weights_rel_diff_1_thread_vs_2_threads is the floor of the comparison: one process changing only the order of its float sums. "
                   "One machine of 2 cores: 1 process uses both cores (2 torch threads), 2 processes 1 thread each, so the ratio is the cost of "
                   "splitting (gradient all-reduce, per-process overhead), not scaling. The decoder's weights differ from one process's because "
                   "each process draws its own noise levels and noise, as one process would draw others for the whole batch.")
    # 3. data loading at 256²
    d256 = runs/'data_256'
    generate_dataset(d256, n=args.n_256, size=256, seed=6, n_workers=2)
    res['loader_256'] = {f'{task}_workers_{w}': round(loader_rate(d256, task, w), 1) for task in ('encoder', 'decoder') for w in (0, 2)}
    res['loader_256']['batch_size'] = 32
    print(res['loader_256'])
    res['command'] = ' '.join(['python bench/distributed.py', *sys.argv[1:]])
    update_json(args.out, f'cpu_{args.size}', res)
    print(f"wrote {args.out}")

if __name__ == '__main__': main()
