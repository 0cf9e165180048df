"""What the tests and `bench/distributed.py` run in each process, under `accelerate launch` or `torchrun` (or alone, for the one-process reference).

    python tests/distributed_worker.py grad  --data D --dump DIR [--batch_size 16]
    python tests/distributed_worker.py train --kind encoder --data D --out O --dump DIR --epochs 1 --batch_size 16 --seed 3 [--resume CKPT]

`grad` writes the gradient of the training split's first batch averaged over the processes (`DIR/grad_{world}.pth`, main process);
`train` trains by the library function and writes whether the processes ended the fit with the same weights, and the main process's times (`DIR/train.json`);
the weights to compare are in `O/{kind}_last.pth`.

`launch` starts it (or a console script) as a user would and `rel_diff` compares what runs wrote: the tests and the benchmark use both.
"""
import argparse, json, os, socket, subprocess, sys, time
from pathlib import Path
import torch

BIN, WORKER = Path(sys.executable).parent, Path(__file__).resolve()

def free_port()->int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def launch(args:list, n:int=2, script:bool=True, popen:bool=False):
    "Run the worker with `args` (or, `script=False`, the console script `args[0]`) in `n` processes by `accelerate launch`, plain `python` for one; the finished `CompletedProcess` (an `AssertionError` with its output if it failed), or the `Popen`."
    args = [str(a) for a in args]
    prog = [str(WORKER)] + args if script else [str(BIN/args[0])] + args[1:]
    if n > 1: cmd = [str(BIN/'accelerate'), 'launch', '--multi_gpu', '--num_processes', str(n), '--num_machines', '1', '--mixed_precision', 'no',
                     '--dynamo_backend', 'no', '--main_process_port', str(free_port())] + ([] if script else ['--no_python']) + prog
    else: cmd = ([sys.executable] if script else []) + prog
    env = {k: v for k, v in os.environ.items() if k not in ('WORLD_SIZE', 'RANK', 'LOCAL_RANK')}
    if popen: return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env)
    assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r

def rel_diff(a, b)->float:
    "Relative L2 distance between two state dicts' floating-point tensors (or two lists of tensors)."
    if isinstance(a, dict): a, b = [a[k] for k in a if a[k].is_floating_point()], [b[k] for k in a if b[k].is_floating_point()]
    return float(sum(((x-y)**2).sum() for x, y in zip(a, b)).sqrt() / sum((y**2).sum() for y in b).sqrt())

def main():
    from design_decomp.core import init_distributed, process_rank, sync_batchnorm, all_reduce_mean, is_main_process, save_json
    from fastai.torch_core import set_seed
    p = argparse.ArgumentParser()
    p.add_argument('mode', choices=['grad', 'train'])
    p.add_argument('--kind', default='encoder'); p.add_argument('--data'); p.add_argument('--out'); p.add_argument('--dump')
    p.add_argument('--epochs', type=int, default=1); p.add_argument('--batch_size', type=int, default=16); p.add_argument('--width', type=int, default=8, help='0: the recipe\'s')
    p.add_argument('--seed', type=int, default=3); p.add_argument('--resume'); p.add_argument('--threads', type=int, help='torch threads (default: torch\'s)')
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    n, dump = init_distributed(), Path(a.dump); r = process_rank()
    dump.mkdir(parents=True, exist_ok=True)
    if a.mode == 'grad':
        from design_decomp.encoder import _encoder_make, ENCODER_RECIPES
        make = _encoder_make(a.data, dict(ENCODER_RECIPES['best'], width=a.width or ENCODER_RECIPES['best']['width'], batch_size=a.batch_size), None, torch.device('cpu'), 0, None, False)
        set_seed(a.seed); learn = make(None); m = sync_batchnorm(learn.model).train()
        xb, yb = learn.dls.train.one_batch()  # not shuffled by the seed: the same batch in every process
        x, y = xb.as_subclass(torch.Tensor)[r::n], yb.as_subclass(torch.Tensor)[r::n]  # this process's share, as `ShardedDL` deals it
        learn.loss_func(m(x), y).backward()
        g = [q.grad for q in m.parameters()]; all_reduce_mean(g)
        if is_main_process(): torch.save([t.clone() for t in g], dump/f'grad_{n}.pth')
    else:
        from design_decomp.encoder import train_encoder
        from design_decomp.decoder import train_decoder
        from design_decomp.abstractor import train_abstractor
        kw = dict(epochs=a.epochs, batch_size=a.batch_size, width=a.width or None)
        if a.kind == 'abstractor': kw.update(box_epochs=1, box_batch_size=a.batch_size)
        if a.kind == 'decoder': kw.update(sample_every=1)
        fn = dict(encoder=train_encoder, decoder=train_decoder, abstractor=train_abstractor)[a.kind]
        learn, res = fn(a.data, a.out, resume=a.resume, quiet=True, seed=None if a.resume else a.seed, force=True, device='cpu', **kw)
        if is_main_process(): save_json(dump/'train.json', dict(world=n, processes_agree=getattr(learn, 'processes_agree', None), train_seconds=learn.train_seconds, test=res))

if __name__ == '__main__': main()
