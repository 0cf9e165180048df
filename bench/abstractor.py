"""Benchmark: train the Abstractor from scratch and evaluate it on the held-out test split twice: on the true
F_Tensors, and end to end on the F_Tensors that an Encoder checkpoint predicts from the pictures.
Writes bench/abstractor.json (one entry per device and size, with the command that made it); the real-run cells of
nbs/02_abstractor.ipynb load the run (checkpoint, data, encoder) from the paths recorded there.

    python bench/abstractor.py --size 128 --n 4000 --epochs 10 --bs 32 --encoder bench/runs/enc_ours_128/encoder_best.pth

With --base CKPT it doesn't train from scratch: it adds the element-box branch to that trained Abstractor and trains
only the branch and the grammar head on features cached once (`fit_box_branch`), e.g. on the H200's ResNet:

    python bench/abstractor.py --size 128 --n 20000 --base bench/runs/abs_128_gpu/abstractor_best.pth --epochs 12 --bs 128 --lr 2e-3 --tag boxes \
        --encoder bench/runs_long/enc_ours_128/encoder_best.pth --predicted --ceiling_trees 0
"""
import argparse, json, os, sys, time
from pathlib import Path
import torch

root = Path(__file__).resolve().parent.parent

def rel(p):
    "`p` relative to the repository root where it lies inside it (the notebook resolves it from there)."
    p = Path(p).resolve()
    return str(p.relative_to(root)) if p.is_relative_to(root) else str(p)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--size', type=int, default=128); p.add_argument('--n', type=int, default=4000)
    p.add_argument('--epochs', type=int, default=10); p.add_argument('--bs', type=int, default=32)
    p.add_argument('--lr', type=float, default=1e-3); p.add_argument('--schedule', choices=['one_cycle', 'fit'], default='one_cycle')
    p.add_argument('--width', type=int, default=64); p.add_argument('--no_maxpool', action='store_true')
    p.add_argument('--coord', action='store_true', help='x/y coordinate input channels (CoordConv)')
    p.add_argument('--profiles', action='store_true', help='edge-profile branch (for alignment)')
    p.add_argument('--boxes', action='store_true', help='element-box branch (for alignment), trained with the rest')
    p.add_argument('--base', default=None, help='trained abstractor checkpoint: add the element-box branch and train only it and the grammar head')
    p.add_argument('--predicted', action='store_true', help="with --base: train on the --encoder's predicted F_Tensors of the training designs too")
    p.add_argument('--workers', type=int, default=0, help='DataLoader worker processes')
    p.add_argument('--tag', default=None, help='suffix of the run folder (abs_{size}_{tag}) and of the key in --out ({device}_{size}_{tag}), to keep variants apart')
    p.add_argument('--weights', default='1,1,1,1', help='loss weights of goal CE, format CE, tone MSE, grammar MSE')
    p.add_argument('--plain_mse', action='store_true', help="don't divide the MSE terms by the targets' variances")
    p.add_argument('--pretrained', default=None, help='local torchvision ResNet-18 weights file (default: from scratch)')
    p.add_argument('--encoder', default=None, help='encoder checkpoint for the end-to-end evaluation (default: bench/runs/enc_ours_{size}/encoder_best.pth if present)')
    p.add_argument('--ceiling_trees', type=int, default=100, help='trees of the random-forest ceiling (learnability); 0 skips it')
    p.add_argument('--threads', type=int, default=None); p.add_argument('--device', default=None)
    p.add_argument('--runs', default=str(root/'bench'/'runs')); p.add_argument('--out', default=str(Path(__file__).with_suffix('.json')))
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    from design_decomp.core import default_device, load_checkpoint, machine_info, machine_text, update_json
    from design_decomp.data import generate_dataset, design_dls, learnability, split_of
    from design_decomp.abstractor import train_abstractor, fit_box_branch
    from design_decomp.evaluate import evaluate_twice, check_criteria
    passed = lambda res: {f"{r['name']} {r['threshold']}": r['passed'] for r in check_criteria('abstractor', res)}
    dev, runs = default_device(a.device), Path(a.runs)
    enc = a.encoder or (runs/f'enc_ours_{a.size}'/'encoder_best.pth')
    enc = enc if Path(enc).exists() else None
    if a.encoder and enc is None: raise SystemExit(f"--encoder {a.encoder}: no such file")
    if enc is None: print(f"no encoder checkpoint (looked for {runs/f'enc_ours_{a.size}'/'encoder_best.pth'}): the end-to-end evaluation is skipped")
    data = runs/f'data_{a.size}_{a.n}'
    t = time.perf_counter(); generate_dataset(data, n=a.n, size=a.size, seed=0, n_workers=os.cpu_count(), progress=False)
    print(f'dataset {data}: {time.perf_counter()-t:.0f}s')
    sfx = f'_{a.tag}' if a.tag else ''
    ck = runs/f'abs_{a.size}{sfx}'
    t = time.perf_counter()
    if a.base:
        if not Path(a.base).exists(): raise SystemExit(f"--base {a.base}: no such file")
        if a.predicted and not enc: raise SystemExit("--predicted needs an encoder checkpoint (--encoder)")
        dls = design_dls(data, 'abstractor', bs=a.bs, device=dev, num_workers=a.workers)
        learn = fit_box_branch(a.base, dls, epochs=a.epochs, lr=a.lr, path=ck, bs=a.bs, encoder=enc if a.predicted else None)
        wall, fitted = time.perf_counter()-t, learn.box_learner
        best_epoch = load_checkpoint(ck/'abstractor_best.pth')['epoch']
    else:
        # the library's training function, one stage (the box branch is --base's), with this benchmark's settings as the recipe
        learn, _ = train_abstractor(data, ck, 'best', device=dev, workers=a.workers, pretrained=a.pretrained, width=a.width, maxpool=not a.no_maxpool,
                                    coord=a.coord, profiles=a.profiles, boxes=a.boxes, epochs=a.epochs, batch_size=a.bs, lr=a.lr,
                                    lr_schedule='one_cycle' if a.schedule=='one_cycle' else 'constant', weights=[float(o) for o in a.weights.split(',')],
                                    standardise=not a.plain_mse, box_epochs=0)
        wall, fitted, dls = learn.train_seconds, learn, learn.dls
        best_epoch = load_checkpoint(ck/'abstractor_best.pth')['epoch']
    history = [[float(x) for x in v] for v in fitted.recorder.values]
    t = time.perf_counter(); res = evaluate_twice(learn, enc); eval_s = time.perf_counter()-t
    r4 = lambda d: {k: round(v, 4) for k, v in d.items()}
    out = dict(command='python bench/abstractor.py ' + ' '.join(sys.argv[1:]), size=a.size, n_designs=a.n,
               n_train=len(dls.train_ds), n_valid=len(dls.valid_ds), n_test=sum(split_of(i)=='test' for i in dls.ds_full.idxs),
               epochs=a.epochs, best_epoch=best_epoch, bs=a.bs, lr=a.lr, schedule='one_cycle' if a.base else a.schedule, optimizer='Adam',
               base=rel(a.base) if a.base else None,
               model=dict(learn.model_config), params=sum(p.numel() for p in learn.model.parameters()), device=str(dev),
               machine=machine_text(machine_info(dev)),
               torch=torch.__version__, wall_s=round(wall, 1), s_per_epoch=round(wall/a.epochs, 1), eval_s=round(eval_s, 1),
               data=rel(data), checkpoint=rel(ck/'abstractor_best.pth'), encoder=rel(enc) if enc else None,
               reduction='test split; every design counted once before dividing; *_base: constant predictor of the train split '
                         '(majority goal/format, mean tone/scores); drop: how much worse end to end',
               test=r4(res['true']), criteria=passed(res['true']))
    if enc:
        out.update(end_to_end=r4(res['end_to_end']), drop=r4(res['drop']), criteria_end_to_end=passed(res['end_to_end']))
    if a.ceiling_trees:
        t = time.perf_counter(); out['ceiling'] = learnability(data, n_trees=a.ceiling_trees); out['ceiling_s'] = round(time.perf_counter()-t, 1)
    out.update(history=history, date=time.strftime('%Y-%m-%d'))
    print(json.dumps({k: v for k, v in out.items() if k!='history'}, indent=1))
    update_json(a.out, f'{dev.type}_{a.size}{sfx}', out); print(f'wrote {a.out}')

if __name__=='__main__': main()
