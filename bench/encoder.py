"""Benchmark: train the Encoder from scratch and evaluate it on the held-out test split, beside fastai's
`unet_learner(resnet18, pretrained=False)` with the same loss, data, epochs, batch size and schedule.
Writes bench/encoder.json (one entry per size/device, with the command that made it).

    python bench/encoder.py --size 128 --n 2000 --epochs 6
"""
import argparse, json, os, sys, time
from pathlib import Path

def summary(learn, res, wall, epochs):
    "What the benchmark keeps of a fitted learner: size, time, test metrics, the plan's criteria, history."
    from design_decomp.evaluate import check_criteria
    names = list(learn.recorder.metric_names[1:-1])
    history = [dict(zip(names, [round(float(x), 4) for x in v])) for v in learn.recorder.values if len(v) == len(names)]
    res = {k: round(v, 4) for k,v in res.items()}
    return dict(params=sum(p.numel() for p in learn.model.parameters()), seconds=round(wall, 1), s_per_epoch=round(wall/epochs, 1), test=res,
                criteria={r['name']: r['passed'] for r in check_criteria('encoder', res)}, history=history)

def run_fastai(learn, dls, epochs, lr):
    "fastai's U-Net with the same schedule as the `best` recipe, its best epoch evaluated on the test split."
    from design_decomp.core import evaluate, resume_learner
    from design_decomp.data import split_dl
    t = time.perf_counter(); learn.fit_one_cycle(epochs, lr); wall = time.perf_counter()-t
    names = list(learn.recorder.metric_names[1:-1]); hist = [list(v) for v in learn.recorder.values]
    resume_learner(learn, learn.cbs.filter(lambda c: type(c).__name__=='CheckpointCallback')[0].dir/'encoder_best.pth')
    out = summary(learn, evaluate(learn, split_dl(dls, 'test')), wall, epochs)
    out['history'] = [dict(zip(names, [round(float(x), 4) for x in v])) for v in hist]
    return out

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--size', type=int, default=128); p.add_argument('--n', type=int, default=1500)
    p.add_argument('--epochs', type=int, default=5); p.add_argument('--bs', type=int, default=8)
    p.add_argument('--lr', type=float, default=2e-3); p.add_argument('--width', type=int, default=16)
    p.add_argument('--device', default=None); p.add_argument('--workers', type=int, default=0, help='DataLoader worker processes'); p.add_argument('--runs', default='bench/runs')
    p.add_argument('--skip_fastai', action='store_true'); p.add_argument('--skip_ours', action='store_true'); p.add_argument('--out', default=str(Path(__file__).with_suffix('.json')))
    a = p.parse_args()
    import torch
    from fastai.vision.learner import unet_learner
    from torchvision.models import resnet18
    from design_decomp.core import default_device, CheckpointCallback, NonFiniteGuard, machine_info, machine_text, update_json
    from design_decomp.data import generate_dataset, design_dls
    from design_decomp.encoder import train_encoder, CompositeLoss, encoder_metrics
    dev = default_device(a.device)
    data = Path(a.runs)/f'data_{a.size}_{a.n}'
    generate_dataset(data, n=a.n, size=a.size, seed=0, n_workers=os.cpu_count(), progress=False)
    dls = design_dls(data, 'encoder', bs=a.bs, device=dev, num_workers=a.workers)
    nc = len(dls.vocab['colour'])
    out = dict(size=a.size, n_designs=a.n, n_train=len(dls.train_ds), n_valid=len(dls.valid_ds), epochs=a.epochs, bs=a.bs,
               lr=a.lr, schedule='fit_one_cycle', device=str(dev),
               machine=machine_text(machine_info(dev)),
               torch=torch.__version__, command='python bench/encoder.py ' + ' '.join(sys.argv[1:]),
               reduction='test split, all pixels of all designs summed before dividing (micro average)', date=time.strftime('%Y-%m-%d'))
    fn, key = Path(a.out), f'{dev.type}_{a.size}'
    def save(name, res):  # after each model, so a later failure keeps what was measured
        old = json.loads(fn.read_text()).get(key, {}) if fn.exists() else {}
        entry = old if old.get('n_designs')==a.n and old.get('epochs')==a.epochs else {}
        entry.update({k:v for k,v in out.items() if k not in ('ours', 'fastai_unet_resnet18', 'command')}); entry[name] = dict(res, command=out['command'])
        update_json(fn, key, entry)
        print(json.dumps(res, indent=1)); print(f'wrote {fn} [{key}][{name}]')
    if not a.skip_ours:
        learn, res = train_encoder(data, Path(a.runs)/f'enc_ours_{a.size}', 'best', device=dev, workers=a.workers,  # the library function and recipe
                                   epochs=a.epochs, batch_size=a.bs, lr=a.lr, width=a.width)
        save('ours', dict(model=f'design_decomp UNet(width={a.width}, depth=4)', **summary(learn, res, learn.train_seconds, a.epochs)))
    if not a.skip_fastai:
        dls.c = 2+nc+1  # unet_learner evaluates get_c(dls) even when n_out is given; our dls.vocab is a dict
        fa = unet_learner(dls, resnet18, pretrained=False, n_out=2+nc+1, loss_func=CompositeLoss(nc), metrics=encoder_metrics(),
                          cbs=[NonFiniteGuard(), CheckpointCallback(Path(a.runs)/f'enc_fastai_{a.size}', 'encoder')], normalize=False)
        save('fastai_unet_resnet18', dict(model='fastai unet_learner(resnet18, pretrained=False)', **run_fastai(fa, dls, a.epochs, a.lr)))

if __name__=='__main__': main()
