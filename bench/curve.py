"""Benchmark: each model's criteria as a function of training time, through the library's own training functions
(`train_encoder`, `train_abstractor`, `train_decoder`) and recipes -- the curve the demo preset is designed against.

- Encoder and Abstractor train with one cycle, whose result depends on the budget: one run per budget (--enc_epochs,
  --abs_epochs; the Abstractor's second stage, the element-box branch, gets --box_epochs and learns from the F_Tensors
  of the Encoder of the largest budget).
- The Decoder's recipe is a constant learning rate with an EMA of the weights, so a checkpoint after k epochs is what a
  k-epoch run ends with: one run, every epoch kept, the quick evaluation of the pipeline's report (design FID against
  its floor and blurred baseline, goal and format read back by the Encoder -> Abstractor of the largest budgets) at
  each of --dec_eval epochs. `--dec_recipe plan --only decoder --tag plan` is the ablation beside it: the plan's
  recipe (ε-prediction, linear betas, plain MSE, lr 2e-4, float32) trained and judged the same way.

The x axis is training steps (machine-independent); seconds are measured too, beside the machine's fp32 matmul GFLOP/s
and the load average, so they can be scaled to another machine. Writes bench/curve.json (entry {device}_{size}[_tag]).

    .venv/bin/python bench/curve.py --size 64 --n 3000 --threads 2
"""
import argparse, ast, json, os, sys, time
from pathlib import Path
import torch

root = Path(__file__).resolve().parent.parent

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0]); a = p.add_argument
    a('--size', type=int, default=64); a('--n', type=int, default=3000, help='designs (80 %% train)')
    a('--enc_epochs', default='2,4,8'); a('--abs_epochs', default='2,4,8'); a('--box_epochs', type=int, default=4)
    a('--abs_width', type=int, default=None, help="override the Abstractor recipe's width")
    a('--abs_over', default='', help='more overrides of the Abstractor recipe, e.g. maxpool=True,batch_size=32')
    a('--dec_epochs', type=int, default=16); a('--dec_eval', default='2,4,8,12,16')
    a('--dec_recipe', default='best', help="the Decoder's recipe: best, or plan for the ablation beside it")
    a('--eval_n', type=int, default=120); a('--n_ref', type=int, default=600); a('--steps', type=int, default=50)
    a('--enc_ckpt', default=None, help='the Encoder for the Abstractor and the Decoder evaluation (default: the largest budget of this run)')
    a('--abs_ckpt', default=None, help='the Abstractor for the Decoder evaluation (default: the largest budget of this run)')
    a('--threads', type=int, default=2); a('--device', default=None); a('--tag', default=None)
    a('--only', default='encoder,abstractor,decoder'); a('--runs', default=str(root/'bench'/'runs'/'curve'))
    a('--out', default=str(Path(__file__).with_suffix('.json')))
    args = p.parse_args()
    torch.set_num_threads(args.threads); torch.manual_seed(0)
    import matplotlib; matplotlib.use('Agg')
    from design_decomp.core import default_device, machine_info, update_json
    from design_decomp.data import generate_dataset
    from design_decomp.encoder import train_encoder
    from design_decomp.abstractor import train_abstractor
    from design_decomp.decoder import train_decoder, load_decoder
    from design_decomp.evaluate import check_criteria, evaluate_abstractor, load_encoder_abstractor, evaluate_decoder, decoder_criteria
    passed = lambda rows: {f"{r['name']} {r['threshold']}": dict(value=r['value'], passed=r['passed']) for r in rows}
    dev = default_device(args.device); runs = Path(args.runs)/f'{args.size}_{args.n}'
    key = f'{dev.type}_{args.size}' + (f'_{args.tag}' if args.tag else '')
    fn = Path(args.out); entry = json.loads(fn.read_text()).get(key, {}) if fn.exists() else {}
    entry.update(command='python bench/curve.py ' + ' '.join(sys.argv[1:]), date=time.strftime('%Y-%m-%d %H:%M'),
                 machine=machine_info(dev), load_average_at_start=[round(o, 2) for o in os.getloadavg()], size=args.size, n_designs=args.n)
    save = lambda: update_json(fn, key, entry)
    data = runs/'data'; generate_dataset(data, n=args.n, size=args.size, seed=0, n_workers=min(2, os.cpu_count()), progress=False)
    only = args.only.split(',')
    abs_over = {k: ast.literal_eval(v) for k, v in (o.split('=') for o in args.abs_over.split(',') if o)}
    def point(learn, res, **kw):
        return dict(epochs=learn.n_epoch, steps=learn.n_epoch*len(learn.dls.train), seconds=round(learn.train_seconds, 1),
                    load_average=round(os.getloadavg()[0], 2), **kw)
    if 'encoder' in only:
        pts = []
        for e in map(int, args.enc_epochs.split(',')):
            learn, res = train_encoder(data, runs/f'enc_{e}', epochs=e, device=dev)
            crit = passed(check_criteria('encoder', res))
            pts.append(point(learn, res, test={k: round(v, 4) for k, v in res.items()}, criteria=crit, recipe=learn.model_config['recipe']))
            print('encoder', e, 'epochs', pts[-1]['seconds'], 's', {k: c['value'] for k, c in crit.items()}, flush=True)
            entry['encoder'] = pts; save()
    enc = Path(args.enc_ckpt) if args.enc_ckpt else runs/f'enc_{max(map(int, args.enc_epochs.split(",")))}'/'encoder_best.pth'
    abs_dir = lambda e: runs/(f'abs_{args.tag}_{e}' if args.tag else f'abs_{e}')
    if 'abstractor' in only:
        pts = []
        for e in map(int, args.abs_epochs.split(',')):
            t = time.perf_counter()
            learn, _ = train_abstractor(data, abs_dir(e), encoder=enc, epochs=e, box_epochs=args.box_epochs, device=dev,
                                        **(dict(width=args.abs_width) if args.abs_width else {}), **abs_over)
            secs = time.perf_counter()-t  # both stages, the caching of the second stage's features included
            res = evaluate_abstractor(abs_dir(e)/'abstractor_best.pth', data, enc, dev)
            crit = {k: passed(res['criteria'][k]) for k in ('true', 'end_to_end')}
            steps = e*len(learn.dls.train)
            pts.append(dict(epochs=e, box_epochs=args.box_epochs, steps=steps, seconds=round(secs, 1), load_average=round(os.getloadavg()[0], 2),
                            test={k: {m: round(v, 4) for m, v in res[k].items()} for k in ('true', 'end_to_end')}, criteria=crit,
                            recipe=learn.model_config['recipe']))
            print('abstractor', e, 'epochs', pts[-1]['seconds'], 's', crit, flush=True)
            entry['abstractor'] = pts; save()
    ab = Path(args.abs_ckpt) if args.abs_ckpt else abs_dir(max(map(int, args.abs_epochs.split(','))))/'abstractor_best.pth'
    if 'decoder' in only:
        run = runs/('dec' if args.dec_recipe == 'best' else f'dec_{args.dec_recipe}')
        learn, res = train_decoder(data, run, args.dec_recipe, epochs=args.dec_epochs, keep_epochs=True, device=dev)
        hist = [l.split(',') for l in (run/'decoder_history.csv').read_text().splitlines()]
        ti = hist[0].index('time'); ep_secs = [int(r[ti].split(':')[-2])*60+int(r[ti].split(':')[-1]) for r in hist[1:]]
        ea = load_encoder_abstractor(enc, ab, dev); pts = []
        for e in map(int, args.dec_eval.split(',')):
            model, ck = load_decoder(run/f'decoder_epoch_{e}.pth', dev)
            t = time.perf_counter()
            ev = evaluate_decoder(model, data, {'Encoder→Abstractor FC-512': (ea.features, ea.classify)}, n=args.eval_n, n_ref=args.n_ref,
                                  steps=args.steps, quick=True, log=lambda *a: None)
            r = ev['nets'][ev['primary']]
            pts.append(dict(epochs=e, steps=e*len(learn.dls.train), seconds=sum(ep_secs[:e]), eval_seconds=round(time.perf_counter()-t, 1),
                            design_fid={k: round(v, 3) for k, v in r['design_fid'].items()},
                            conditioning={k: (round(v, 3) if isinstance(v, float) else v) for k, v in r['conditioning'].items() if not isinstance(v, dict)},
                            criteria=passed(decoder_criteria(ev)), valid_loss_ema=float(hist[e][hist[0].index('valid_loss')])))
            print('decoder', e, 'epochs', pts[-1]['seconds'], 's', pts[-1]['design_fid'], pts[-1]['conditioning'], flush=True)
            entry['decoder'] = dict(recipe=learn.model_config['recipe'], points=pts, epoch_seconds=ep_secs); save()
    print(f'wrote {fn} [{key}]')

if __name__ == '__main__': main()
