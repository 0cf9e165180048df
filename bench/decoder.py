"""Benchmark: train the Decoder (conditional DDPM, V_Meta -> P_Image) from scratch and evaluate it.

Trains a `DesignProbe` (the design-domain feature network and classifier) and the decoder (through
`dd_train_decoder`, so the command itself is what is measured) on a generated dataset in --runs, then runs
`evaluate_decoder`: design FID beside its floor (real test designs) and a trivial baseline (blurred real designs),
Inception FID when --inception_weights names pytorch-fid's weights file, conditioning fidelity against chance,
diversity among samples of one V_Meta, and DDIM-50 against DDPM-1000 (FID and time). Writes the numbers with the
command, sizes, wall times and machine to --out (bench/decoder.json, one entry per device and size) and, in
--runs/decoder_{size}/, the checkpoints, history, sample grids, probe, a goal x format grid and a guidance sweep.

On an otherwise idle 2-core CPU, the recipe of the `cpu_64_vcos` entry (v-prediction, cosine schedule, Min-SNR-5,
bf16 autocast; about 2 h: ~85 min training, ~35 min evaluation, half of it DDPM-1000):

    .venv/bin/python bench/decoder.py --size 64 --n 5000 --epochs 72 --bs 16 --lr 1e-3 --width 32 --threads 2 \
        --mixed_precision bf16 --schedule cosine --pred v --min_snr 5 --tag vcos --sample_every 6

and the plan's ε-prediction on linear betas in float32 (the `cpu_64` entry; its run was resumed once):

    .venv/bin/python bench/decoder.py --size 64 --n 5000 --epochs 30 --bs 16 --lr 1e-3 --width 32 --threads 2

On 2 cores shared with other work, use one thread (two threads then run ~10x slower) and less of everything:

    .venv/bin/python bench/decoder.py --size 64 --n 5000 --epochs 20 --bs 16 --lr 1e-3 --width 32 --threads 1 --eval_n 300 --n_cmp 16
"""
import argparse, os, shutil, sys, time
from pathlib import Path
import torch

root = Path(__file__).resolve().parent.parent

def rel(p):
    "`p` relative to the repository root where it lies inside it."
    p = Path(p).resolve()
    return str(p.relative_to(root)) if p.is_relative_to(root) else str(p)

def num(x):
    try: return float(x)
    except ValueError: return x

def encoder_abstractor_ckpts(args):
    "The encoder and abstractor checkpoints to read generated designs with: the flags', else those of the encoder and abstractor benchmarks in --runs (nearest size first)."
    if args.encoder or args.abstractor:
        if not (args.encoder and args.abstractor): raise SystemExit('--encoder and --abstractor go together')
        return args.encoder, args.abstractor
    runs = Path(args.runs)
    def find(pattern):
        fs = [(abs(int(p.parent.name.rsplit('_', 1)[1])-args.size), p) for p in runs.glob(pattern) if p.parent.name.rsplit('_', 1)[1].isdigit()]
        return min(fs)[1] if fs else None
    enc, ab = find('enc_ours_*/encoder_best.pth'), find('abs_*/abstractor_best.pth')
    return (enc, ab) if enc and ab else (None, None)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    a = p.add_argument
    a('--size', type=int, default=64); a('--n', type=int, default=5000, help='designs in the generated dataset (80 %% train)')
    a('--epochs', type=int, default=30); a('--bs', type=int, default=16); a('--lr', type=float, default=1e-3)
    a('--width', type=int, default=32)
    a('--schedule', default='linear', help='noise schedule: linear or cosine'); a('--pred', default='eps', help='model target: eps or v')
    a('--min_snr', type=float, default=None, help='gamma of Min-SNR-gamma loss weighting (default: plain MSE)')
    a('--tag', default=None, help='name of this variant: run folder decoder_{size}_{tag}, entry {device}_{size}_{tag}')
    a('--threads', type=int, default=None, help='torch threads; default: 2 if the 1-minute load average is below 0.5, else 1')
    a('--sample_every', type=int, default=5); a('--guidance', type=float, default=3.); a('--steps', type=int, default=50)
    a('--probe_epochs', type=int, default=8); a('--eval_n', type=int, default=500); a('--n_ref', type=int, default=2000)
    a('--n_cmp', type=int, default=32, help='designs for DDIM vs DDPM-1000 (DDPM is the slow part)')
    a('--workers', type=int, default=0, help='DataLoader worker processes'); a('--mixed_precision', default=None, help='bf16 or fp16 on CUDA; bf16 on the CPU')
    a('--inception_weights', default=None); a('--device', default=None); a('--seed', type=int, default=0)
    a('--encoder', default=None, help='encoder checkpoint (default: bench/runs/enc_ours_*/encoder_best.pth nearest in size, if any)')
    a('--abstractor', default=None, help='abstractor checkpoint (default: bench/runs/abs_*/abstractor_best.pth nearest in size, if any)')
    a('--resume', default=None, help='continue an interrupted run from this checkpoint in --runs/decoder_{size}/ (its probe and history are kept)')
    a('--runs', default=str(root/'bench'/'runs')); a('--out', default=str(Path(__file__).with_suffix('.json')))
    args = p.parse_args()
    if args.threads is None: args.threads = 2 if os.getloadavg()[0] < 0.5 else 1; print(f'using {args.threads} torch thread(s) (load average {os.getloadavg()[0]:.2f})')
    torch.set_num_threads(args.threads); torch.manual_seed(args.seed)
    import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
    from design_decomp.core import default_device, machine_info, machine_text, update_json
    from design_decomp.data import generate_dataset, SyntheticDesignDataset, split_of
    from design_decomp.decoder import train_decoder, load_decoder, goal_format_figure, guidance_sweep_figure, make_conds
    from design_decomp.evaluate import (load_probe, train_probe, load_encoder_abstractor, evaluate_decoder, show_evaluation, decoder_criteria)
    dev, t_all, secs = default_device(args.device), time.perf_counter(), {}
    load0 = [round(o, 2) for o in os.getloadavg()]
    data, run = Path(args.runs)/f'data_{args.size}_{args.n}', Path(args.runs)/(f'decoder_{args.size}' + (f'_{args.tag}' if args.tag else ''))
    if args.resume and not Path(args.resume).resolve().is_relative_to(run.resolve()): raise SystemExit(f'--resume {args.resume}: not a checkpoint in {run}/')
    if run.exists() and not args.resume: shutil.rmtree(run)  # a benchmark trains from scratch: no history, grids or checkpoints of an earlier run
    t = time.perf_counter(); generate_dataset(data, n=args.n, size=args.size, seed=0, n_workers=min(2, os.cpu_count()), progress=False)
    secs['data'] = time.perf_counter()-t
    counts = {s: sum(split_of(i)==s for i in SyntheticDesignDataset(data).idxs) for s in ('train', 'valid', 'test')}
    t = time.perf_counter()
    if args.resume and (run/'probe_best.pth').exists():  # the interrupted run's probe: same data, same seed
        probe, pck = load_probe(run/'probe_best.pth', dev); probe_res = pck.get('test', {})
    else: _, probe_res = train_probe(data, run/'probe_best.pth', size=args.size, epochs=args.probe_epochs, device=dev)
    secs['probe'] = time.perf_counter()-t
    print(f'probe ({secs["probe"]:.0f}s):', {k: round(v, 4) for k, v in probe_res.items()}, flush=True)
    t = time.perf_counter()
    # the library's training function, with this benchmark's settings as the recipe (the plan's ε/linear/float32 unless the flags say otherwise)
    _, test_loss = train_decoder(data, run, 'plan', size=args.size, device=dev, resume=args.resume, workers=args.workers, epochs=args.epochs,
                                 batch_size=args.bs, lr=args.lr, width=args.width, sample_every=args.sample_every, guidance=args.guidance,
                                 mixed_precision=args.mixed_precision or False, schedule=args.schedule, pred=args.pred, min_snr=args.min_snr or False)
    secs['train'] = time.perf_counter()-t
    model, ck = load_decoder(run/'decoder_best.pth', dev)
    probe, pck = load_probe(run/'probe_best.pth', dev)
    nets, enc, ab = {}, *encoder_abstractor_ckpts(args)
    if enc:
        ea = load_encoder_abstractor(enc, ab, dev)
        nets[f'Encoder→Abstractor FC-{ea.abstractor.fc[0].out_features} ({rel(enc)} at {ea.enc_size}², {rel(ab)} at {ea.abs_size}²)'] = (ea.features, ea.classify)
    else: print('no encoder and abstractor checkpoints (give --encoder and --abstractor, or run bench/encoder.py and bench/abstractor.py first): '
                'design features and conditioning from the DesignProbe only')
    nets[f"DesignProbe penultimate layer ({pck['config']['n_feat']}-d)"] = (probe.features, probe.classify)
    t = time.perf_counter()
    res = evaluate_decoder(model, data, nets, n=args.eval_n, n_ref=args.n_ref, guidance=args.guidance, steps=args.steps,
                           n_cmp=args.n_cmp, inception_weights=args.inception_weights, seed=args.seed)
    secs['eval'] = time.perf_counter()-t
    show_evaluation(res)
    t = time.perf_counter()
    fig = goal_format_figure(model, tone=0.5, guidance=args.guidance, steps=args.steps); fig.savefig(run/'goal_format_grid.png', dpi=100); plt.close(fig)
    sweep = make_conds(model.vocab, ['promote_event', 'inspire', 'advertise', 'brand_awareness'], ['poster', 'banner', 'social_post', 'story'], [0.2, 0.8, 0.5, 0.3])
    fig = guidance_sweep_figure(model, sweep, steps=args.steps); fig.savefig(run/'guidance_sweep.png', dpi=100); plt.close(fig)
    secs['figures'] = time.perf_counter()-t
    hist = [l.split(',') for l in (run/'decoder_history.csv').read_text().splitlines()]
    if args.resume:  # the epochs' own times, both sittings (the first may have shared the cores: see the note)
        secs['train_this_sitting'] = secs['train']
        secs['train'] = sum(int(m)*60+int(s_) for m, s_ in (r[hist[0].index('time')].split(':')[-2:] for r in hist[1:]))
    secs['total'] = time.perf_counter()-t_all
    out = dict(command='python bench/decoder.py ' + ' '.join(sys.argv[1:]), date=time.strftime('%Y-%m-%d %H:%M'),
               machine=machine_text(machine_info(dev)),
               device=str(dev), threads=args.threads, load_average_at_start=load0, torch=torch.__version__,
               size=args.size, n_designs=args.n, n_train=counts['train'], n_valid=counts['valid'], n_test=counts['test'],
               resumed_from=args.resume, epochs=args.epochs, bs=args.bs, lr=args.lr, width=args.width, mixed_precision=args.mixed_precision, steps_per_epoch=-(-counts['train']//args.bs),
               params=sum(p.numel() for p in model.parameters()), config=ck['config'], best_epoch=ck['epoch'],
               seconds={k: round(v, 1) for k, v in secs.items()}, s_per_epoch=round(secs['train']/args.epochs, 1),
               test_loss_ema=test_loss.get('loss'), history=dict(columns=hist[0], rows=[[num(x) for x in r] for r in hist[1:]]),
               probe={k: round(v, 4) for k, v in probe_res.items()}, encoder=rel(enc) if enc else None, abstractor=rel(ab) if ab else None,
               evaluation=res, criteria=decoder_criteria(res), run=rel(run), data=rel(data),
               files=sorted(o.name for o in run.iterdir() if o.suffix=='.png' or o.name.endswith('_best.pth')))
    update_json(args.out, f'{dev.type}_{args.size}' + (f'_{args.tag}' if args.tag else ''), out)
    print(f'wrote {args.out}; run folder {run}/; total {secs["total"]/60:.1f} min')

if __name__=='__main__': main()
