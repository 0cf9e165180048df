"""Benchmark of Module 9 (latent optimisation) at 64² on the CPU, with the bundled models and a judge outside the reward.

1. The judge's Encoder: `train_encoder` (the `best` recipe) with seed 1 on the bundled models' data (3,000 designs,
   64², generator seed 0; --judge_epochs to train it shorter) into bench/runs/judge_encoder_64 -- never part of the reward, which reads `encoder-64`.
   Its test metrics and the judge's agreement with the generator's stored grammar scores (`judge_agreement`) are recorded.
2. Held-out intents fixed before the run: goal × format cells at tone 0.5, starting seeds from 1000 (the bundled
   Decoder's training never saw these latents; its test V_Metas are not needed: the intents are the grid's).
3. For each: the unoptimised DDIM-K design; best-of-N by the reward at the same number of Decoder calls as the
   optimisation (N = steps + 1) and at about its compute (N = 3(steps + 1): a backward pass costs about two forwards);
   `optimise_latents`. Reward (`GrammarReward` on encoder-64 → abstractor-64) and judge (`judge_designs` on the
   judge Encoder) of each, conditioning read back through encoder-64 → abstractor-64, seconds per design.

Writes bench/innovate.json (entry cpu_64): the command, machine, settings and every figure.

    .venv/bin/python bench/innovate.py                      # the judge Encoder if missing, then the comparison
    .venv/bin/python bench/innovate.py --judge_only         # step 1 only
"""
import argparse, json, os, sys, time
from pathlib import Path

root = Path(__file__).resolve().parent.parent

def judge_encoder(run:Path, data:Path, device, epochs:int|None=None, log=print):
    "The judge's Encoder checkpoint, trained with seed 1 if it isn't there."
    from design_decomp.data import generate_dataset
    from design_decomp.encoder import train_encoder
    ck, rec = run/'encoder_best.pth', run/'judge_trained.json'
    if ck.exists() and rec.exists(): return ck, json.loads(rec.read_text())
    generate_dataset(data, n=3000, size=64, seed=0, progress=False)
    t = time.time()
    resume = run/'encoder_last.pth' if (run/'encoder_last.pth').exists() else None
    learn, res = train_encoder(data, run, 'best', device=device, seed=1, resume=resume, quiet=True, epochs=epochs)
    (run/'encoder_last.pth').unlink(missing_ok=True)   # finished: the best is the judge
    log(f"judge Encoder: {learn.n_epoch} epochs in {time.time()-t:.0f}s; test {res}")
    from design_decomp.core import save_json, matmul_gflops
    trained = dict(epochs=learn.n_epoch, seconds=round(time.time()-t, 1), gflops_after=round(matmul_gflops()), test={k: round(v, 4) for k, v in res.items()})
    save_json(rec, trained, indent=1)
    return ck, trained

def bundle_judge(ck, trained:dict, agree:dict):
    "Write the judge's Encoder as the bundled pretrained model `encoder-64-judge` (fp16) with its card."
    from design_decomp.core import save_pretrained, PRETRAINED_DIR, machine_info, load_model
    rows = '\n'.join(f"| {src} | {g} | {v['mae']:.3f} | {v['corr']:.2f} | {v['mae_constant']:.3f} |" for src in agree if src != 'n' for g, v in agree[src].items())
    card = f"""---
library_name: design_decomp
license: apache-2.0
tags: [design_decomp, graphic-design, encoder, judge, synthetic-data]
---

# encoder-64-judge

A second design_decomp Encoder at 64², trained by `encoder-64`'s recipe with another seed (1) and {trained['epochs']} epochs
(`encoder-64`: 22), and **never part of a reward**: it is the eye of the judge (`design_decomp.evaluate.judge_designs`) that checks what latent optimisation and
fine-tuning do to designs, so that a gain the reward's own Encoder and Abstractor see is confirmed by a reading they
had no part in.

## How it was made

- command: `python bench/innovate.py --judge_only --judge_epochs {trained['epochs']}` (`train_encoder(data, out, 'best', seed=1, epochs={trained['epochs']})`), {trained['epochs']} epochs in {trained['seconds']/60:.1f} min on {machine_info('cpu', gflops=False)['name']}, 2 cores
- data: the bundled models' (design_decomp generator, seed 0, 64², 3,000 designs)
- test split: {', '.join(f'{k} {v:.3f}' for k, v in trained['test'].items())}

## The judge it makes

`judge_scores` applies the generator's grammar formulas to the elements this Encoder reads. Agreement with the
generator's stored scores on {agree['n']} test designs (MAE, correlation, and the MAE of predicting the mean):

| read from | score | MAE | correlation | constant's MAE |
|---|---|---|---|---|
{rows}

The judge sums alignment, contrast and whitespace; at 64² it can't read hierarchy (lines of a paragraph merge).
"""
    save_pretrained(ck, PRETRAINED_DIR/'encoder-64-judge', card=card, name='encoder-64-judge', command='python bench/innovate.py --judge_only',
                    data=dict(generator='design_decomp', seed=0, size=64, n=3000), machine=machine_info('cpu'), train_seconds=trained['seconds'],
                    epochs=trained['epochs'], seed=1, test=trained['test'], judge_agreement=agree, role='a judge: never part of a reward',
                    parameters=sum(p.numel() for p in load_model(ck)[0].parameters()))

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0]); a = p.add_argument
    a('--n', type=int, default=24, help='intents (goal × format cells, in order)'); a('--steps', type=int, default=30)
    a('--ddim_steps', type=int, default=4); a('--lr', type=float, default=0.05); a('--guidance', type=float, default=3.)
    a('--batch', type=int, default=8); a('--judge_epochs', type=int, default=None, help="the judge Encoder's epochs (default: the best recipe's 22)"); a('--judge_only', action='store_true'); a('--device', default='cpu')
    a('--out', default=str(Path(__file__).with_suffix('.json')))
    args = p.parse_args()
    import numpy as np, torch
    from design_decomp.core import machine_info, update_json, default_device
    from design_decomp.evaluate import judge_agreement, judge_designs, load_encoder_abstractor, JUDGE_SUM
    from design_decomp.decoder import load_decoder, make_conds
    from design_decomp.innovate import GrammarReward, optimise_latents, best_of_n
    os.chdir(root); dev = default_device(args.device)
    runs, data = Path('bench')/'runs', Path('bench')/'runs'/'pretrained_data_64'
    jck, jtrain = judge_encoder(runs/'judge_encoder_64', data, dev, args.judge_epochs)
    agree = judge_agreement(data, n=300, encoder=jck)
    from design_decomp.core import PRETRAINED_DIR
    if not (PRETRAINED_DIR/'encoder-64-judge').exists(): bundle_judge(jck, jtrain, agree)
    jck = 'encoder-64-judge'   # the judge as users get it: the bundled fp16 file
    entry = dict(command='python bench/innovate.py ' + ' '.join(sys.argv[1:]), date=time.strftime('%Y-%m-%d %H:%M'), machine=machine_info('cpu'),
                 judge_encoder=dict(checkpoint=str(jck), trained=jtrain), judge_agreement=agree)
    if args.judge_only: update_json(args.out, 'judge_64', entry); print(json.dumps(entry, indent=1)); return
    dec, _ = load_decoder('decoder-64', dev); reward = GrammarReward('encoder-64', 'abstractor-64').to(dev)
    ea = load_encoder_abstractor('encoder-64', 'abstractor-64', dev)
    G, F = dec.vocab['goal'], dec.vocab['format']
    cells = [(g, f) for g in G for f in F][:args.n]
    cond = make_conds(dec.vocab, [g for g, _ in cells], [f for _, f in cells], [0.5]*len(cells))
    seeds = [1000 + 7*i for i in range(0, len(cells), args.batch)]   # one starting seed per batch, fixed before the run
    out = {k: dict(x=[], reward=[]) for k in ('start', f'best_of_{args.steps+1}', f'best_of_{3*(args.steps+1)}', 'optimised')}
    secs = dict(optimised=0., best_small=0., best_large=0.)
    for b, s0 in zip(range(0, len(cells), args.batch), seeds):
        c = cond[b:b+args.batch]
        r = optimise_latents(dec, reward, c, seed=s0, steps=args.steps, ddim_steps=args.ddim_steps, lr=args.lr, guidance=args.guidance, traj_every=0)
        secs['optimised'] += r['seconds']
        out['start']['x'].append(r['x0']); out['start']['reward'].append(r['reward0'])
        out['optimised']['x'].append(r['x']); out['optimised']['reward'].append(r['reward'])
        for key, n, sk in ((f'best_of_{args.steps+1}', args.steps+1, 'best_small'), (f'best_of_{3*(args.steps+1)}', 3*(args.steps+1), 'best_large')):
            bo = best_of_n(dec, reward, c, n, seed=s0, ddim_steps=args.ddim_steps, guidance=args.guidance)   # its first latent is the optimisation's start
            secs[sk] += bo['seconds']; out[key]['x'].append(bo['x']); out[key]['reward'].append(bo['reward'])
        print(f"batch {b//args.batch+1}: reward start {r['reward0'].mean():.3f}, optimised {r['reward'].mean():.3f}, best-of-{args.steps+1} {out[f'best_of_{args.steps+1}']['reward'][-1].mean():.3f}", flush=True)
    js, res = {}, {}
    for k, v in out.items():
        x = torch.cat(v['x']); js[k] = judge_designs(jck, x)
        with torch.no_grad(): gid, fid = ea.classify(x.to(dev))
        res[k] = dict(reward=float(torch.cat(v['reward']).mean()), judge={m: float(np.mean([o[m] for o in js[k]])) for m in js[k][0]},
                      goal_recovered=float((gid.cpu() == cond[:, 0].long()).float().mean()), format_recovered=float((fid.cpu() == cond[:, 1].long()).float().mean()))
    for k in res:
        if k == 'start': continue
        pairs = list(zip(js[k], js['start']))
        res[k]['vs_start'] = dict(alignment_improved=float(np.mean([a['alignment'] > b['alignment'] for a, b in pairs])),
                                  grammar_sum_change=float(np.mean([a['grammar_sum'] - b['grammar_sum'] for a, b in pairs])),
                                  layout_alignment_change=float(np.mean([a['layout_alignment'] - b['layout_alignment'] for a, b in pairs])),
                                  reward_change=res[k]['reward'] - res['start']['reward'])
    entry.update(settings=dict(n=len(cells), steps=args.steps, ddim_steps=args.ddim_steps, lr=args.lr, guidance=args.guidance, prior='renormalise to the starting norm',
                               reward='GrammarReward(encoder-64, abstractor-64), weights 1,1,1,1', judge_sum=list(JUDGE_SUM), seeds=seeds, batch=args.batch),
                 seconds_per_design={k: round(v/len(cells), 2) for k, v in secs.items()}, results=res)
    update_json(args.out, f'{dev.type}_64', entry)
    print(json.dumps({k: v for k, v in entry.items() if k != 'judge_agreement'}, indent=1))

if __name__ == '__main__': main()
