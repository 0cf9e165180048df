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

   With `--seeds k`, each intent is drawn from k starting seeds: diversity among one intent's designs (mean
   pairwise distance of their features) before and after, and design FID of each set against 2,000 training designs
   (floor: as many real test designs) -- both in the feature space of a `DesignProbe` trained on the same data
   (bench/runs/probe_64), a network outside the reward.
4. Given designs (`--improve N`, entry cpu_64_improve): N deliberately flawed designs, where the truth is known --
   the generator's designs with seed 11 (`--flawed_seed`; the bundled models were trained on seed 0, and the settings
   -- strength 0.6, KeepClose 100/100 -- were chosen on seed 9's first 8, which the docs and the explorer show) that
   have at least two of its controlled flaws (`FLAW_P`), the first N in index order, fixed before the run. Each is improved by
   `improve_designs` (DDIM inversion to `--strength`, `KeepClose`) and by the baseline at equal Decoder calls: SDEdit
   best-of-N (`best_of_n(edit=...)`: noised to the same level N times, drawn again, the best by the same objective).
   The judge on the input, on the inverted latent's redraw and on each result; the F_Tensor IoU of each result with
   the input as the judge's Encoder reads both; the true scores and flaws of the inputs.

Writes bench/innovate.json (entries cpu_64, cpu_64_improve): the command, machine, settings and every figure.

    .venv/bin/python bench/innovate.py                      # the judge Encoder if missing, then new designs and given designs
    .venv/bin/python bench/innovate.py --judge_only         # step 1 only
    .venv/bin/python bench/innovate.py --what improve       # given designs only
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

def probe(run:Path, data:Path, device, log=print):
    "A `DesignProbe` on the bundled models' data (the FID and diversity features, outside the reward), trained if it isn't there."
    from design_decomp.evaluate import train_probe, load_probe
    ck = run/'probe_64.pth'
    if not ck.exists():
        t = time.time(); _, res = train_probe(data, ck, size=64, epochs=8, device=device)
        log(f"probe trained in {time.time()-t:.0f}s; test {res}")
    return load_probe(ck, device)[0]

def _mean(js, m): return float(sum(o[m] for o in js)/len(js))

def new_designs(args, dev, jck, entry):
    import numpy as np, torch
    from design_decomp.data import SyntheticDesignDataset
    from design_decomp.evaluate import judge_designs, load_encoder_abstractor, JUDGE_SUM, extract_features, standardizer, fid, diversity
    from design_decomp.decoder import load_decoder, make_conds
    from design_decomp.innovate import GrammarReward, optimise_latents, best_of_n
    runs, data = Path('bench')/'runs', Path('bench')/'runs'/'pretrained_data_64'
    dec, _ = load_decoder('decoder-64', dev); reward = GrammarReward('encoder-64', 'abstractor-64').to(dev)
    ea = load_encoder_abstractor('encoder-64', 'abstractor-64', dev)
    G, F = dec.vocab['goal'], dec.vocab['format']
    cells = [(g, f) for g in G for f in F][:args.n]
    cond = make_conds(dec.vocab, [g for g, _ in cells], [f for _, f in cells], [0.5]*len(cells))
    jobs = [(j, b, 1000 + 7*(b//args.batch) + 100_003*j) for j in range(args.seeds) for b in range(0, len(cells), args.batch)]   # (seed round, batch start, seed), fixed before the run
    out = {k: dict(x=[], reward=[], cond=[]) for k in ('start', f'best_of_{args.steps+1}', f'best_of_{3*(args.steps+1)}', 'optimised')}
    secs = dict(optimised=0., best_small=0., best_large=0.)
    for j, b, s0 in jobs:
        c = cond[b:b+args.batch]
        r = optimise_latents(dec, reward, c, seed=s0, steps=args.steps, ddim_steps=args.ddim_steps, lr=args.lr, guidance=args.guidance, traj_every=0)
        secs['optimised'] += r['seconds']
        for k, x, rw in (('start', r['x0'], r['reward0']), ('optimised', r['x'], r['reward'])): out[k]['x'].append(x); out[k]['reward'].append(rw); out[k]['cond'].append(c)
        for key, n, sk in ((f'best_of_{args.steps+1}', args.steps+1, 'best_small'), (f'best_of_{3*(args.steps+1)}', 3*(args.steps+1), 'best_large')):
            bo = best_of_n(dec, reward, c, n, seed=s0, ddim_steps=args.ddim_steps, guidance=args.guidance)   # its first latent is the optimisation's start
            secs[sk] += bo['seconds']; out[key]['x'].append(bo['x']); out[key]['reward'].append(bo['reward']); out[key]['cond'].append(c)
        print(f"seed round {j+1}, batch {b//args.batch+1}: reward start {r['reward0'].mean():.3f}, optimised {r['reward'].mean():.3f}, best-of-{args.steps+1} {out[f'best_of_{args.steps+1}']['reward'][-1].mean():.3f}", flush=True)
    pm = probe(runs, data, dev)
    tr, te = SyntheticDesignDataset(data, 'train'), SyntheticDesignDataset(data, 'test')
    imgs = lambda ds, n: torch.from_numpy(np.stack([ds.image(i) for i in ds.idxs[:n]])).permute(0, 3, 1, 2).float()/255
    z = standardizer(extract_features(pm.features, imgs(tr, 2000), device=dev)); fr = z(extract_features(pm.features, imgs(tr, 2000), device=dev))
    n_all = len(cells)*args.seeds
    floor = fid(z(extract_features(pm.features, imgs(te, n_all), device=dev)), fr)
    js, res = {}, {}
    for k, v in out.items():
        x, cs = torch.cat(v['x']), torch.cat(v['cond']); js[k] = judge_designs(jck, x)
        with torch.no_grad(): gid, fmid = ea.classify(x.to(dev))
        f = z(extract_features(pm.features, x, device=dev))
        res[k] = dict(reward=float(torch.cat(v['reward']).mean()), judge={m: _mean(js[k], m) for m in js[k][0]},
                      goal_recovered=float((gid.cpu() == cs[:, 0].long()).float().mean()), format_recovered=float((fmid.cpu() == cs[:, 1].long()).float().mean()),
                      design_fid=fid(f, fr), **(dict(diversity_same_intent=diversity(f, (cs[:, 0]*100+cs[:, 1]).long().numpy())) if args.seeds > 1 else {}))
    for k in res:
        if k == 'start': continue
        pairs = list(zip(js[k], js['start']))
        res[k]['vs_start'] = dict(alignment_improved=float(np.mean([a['alignment'] > b['alignment'] for a, b in pairs])),
                                  grammar_sum_change=float(np.mean([a['grammar_sum'] - b['grammar_sum'] for a, b in pairs])),
                                  grammar_sum_improved=float(np.mean([a['grammar_sum'] > b['grammar_sum'] for a, b in pairs])),
                                  layout_alignment_change=float(np.mean([a['layout_alignment'] - b['layout_alignment'] for a, b in pairs])),
                                  reward_change=res[k]['reward'] - res['start']['reward'], design_fid_ratio=res[k]['design_fid']/res['start']['design_fid'],
                                  **(dict(diversity_ratio=res[k]['diversity_same_intent']/res['start']['diversity_same_intent']) if args.seeds > 1 else {}))
    entry.update(settings=dict(n=len(cells), seeds_per_intent=args.seeds, steps=args.steps, ddim_steps=args.ddim_steps, lr=args.lr, guidance=args.guidance, prior='renormalise to the starting norm',
                               reward='GrammarReward(encoder-64, abstractor-64), weights 1,1,1,1', judge_sum=list(JUDGE_SUM), seeds=[s for *_, s in jobs], batch=args.batch,
                               fid_features='DesignProbe (bench/runs/probe_64.pth), 2,000 training designs as reference'),
                 design_fid_floor_real_test_at_n=floor, seconds_per_design={k: round(v/n_all, 2) for k, v in secs.items()}, results=res)
    return entry

def improve(args, dev, jck, entry):
    import numpy as np, torch
    from design_decomp.data import GRAMMAR
    from design_decomp.encoder import load_encoder, image_ftensors
    from design_decomp.evaluate import judge_designs, JUDGE_SUM
    from design_decomp.decoder import load_decoder
    from design_decomp.innovate import GrammarReward, KeepClose, improve_designs, best_of_n, ftensor_iou, flawed_designs
    dec, _ = load_decoder('decoder-64', dev); reward = GrammarReward('encoder-64', 'abstractor-64').to(dev); jenc = load_encoder(jck, dev)[0]
    X, idx, flaws, truth = flawed_designs(args.improve, seed=args.flawed_seed, min_flaws=2, size=64)
    read = lambda x: image_ftensors(jenc, x.to(dev)).cpu()
    out = {k: dict(x=[], reward=[]) for k in ('reconstruction', 'improved', f'sdedit_best_of_{args.steps+1}', f'sdedit_best_of_{3*(args.steps+1)}')}
    secs, conds = dict(improved=0., best_small=0., best_large=0.), []
    for b in range(0, len(X), args.batch):
        x = X[b:b+args.batch]
        r = improve_designs(dec, reward, x, strength=args.strength, ftensor=args.keep[0], pixel=args.keep[1], steps=args.steps, ddim_steps=args.ddim_steps,
                            lr=args.lr, guidance=args.improve_guidance, traj_every=0)
        secs['improved'] += r['seconds']; conds.append(r['cond'])
        with torch.no_grad(): rr = reward(r['reconstruction'].to(dev))[0].cpu()
        for k, xx, rw in (('reconstruction', r['reconstruction'], rr), ('improved', r['x'], r['reward'])): out[k]['x'].append(xx); out[k]['reward'].append(rw)
        obj = KeepClose(reward, x.to(dev), *args.keep)
        for key, n, sk in ((f'sdedit_best_of_{args.steps+1}', args.steps+1, 'best_small'), (f'sdedit_best_of_{3*(args.steps+1)}', 3*(args.steps+1), 'best_large')):
            bo = best_of_n(dec, obj, r['cond'], n, seed=2000+b, ddim_steps=args.ddim_steps, guidance=args.improve_guidance, edit=x, t_start=r['t_start'])
            with torch.no_grad(): rw = reward(bo['x'].to(dev))[0].cpu()
            secs[sk] += bo['seconds']; out[key]['x'].append(bo['x']); out[key]['reward'].append(rw)
        print(f"batch {b//args.batch+1}: reward input {r['reward0'].mean():.3f}, improved {r['reward'].mean():.3f}, sdedit best-of-{args.steps+1} {out[f'sdedit_best_of_{args.steps+1}']['reward'][-1].mean():.3f}", flush=True)
    with torch.no_grad(): r_in = reward(X.to(dev))[0].cpu()
    j_in, f_in = judge_designs(jenc, X), read(X)
    res = dict(input=dict(reward=float(r_in.mean()), judge={m: _mean(j_in, m) for m in j_in[0]}, truth={g: float(np.mean([t[i] for t in truth])) for i, g in enumerate(GRAMMAR)}))
    for k, v in out.items():
        x = torch.cat(v['x']); js = judge_designs(jenc, x); iou = ftensor_iou(read(x), f_in); mi = iou.mean(1)
        res[k] = dict(reward=float(torch.cat(v['reward']).mean()), judge={m: _mean(js, m) for m in js[0]},
                      ftensor_iou=dict(text=float(iou[:, 0].mean()), image=float(iou[:, 1].mean()), mean=float(mi.mean()), share_at_least_0_8=float((mi >= 0.8).float().mean()),
                                       min=float(mi.min())),
                      vs_input=dict(grammar_sum_improved=float(np.mean([a['grammar_sum'] > b['grammar_sum'] for a, b in zip(js, j_in)])),
                                    grammar_sum_change=float(np.mean([a['grammar_sum'] - b['grammar_sum'] for a, b in zip(js, j_in)])),
                                    alignment_improved=float(np.mean([a['alignment'] > b['alignment'] for a, b in zip(js, j_in)])),
                                    improved_and_kept=float(np.mean([a['grammar_sum'] > b['grammar_sum'] and m >= 0.8 for a, b, m in zip(js, j_in, mi.tolist())])),
                                    reward_change=float(torch.cat(v['reward']).mean()-r_in.mean())))
    cond = torch.cat(conds)
    entry.update(settings=dict(n=len(X), generator_seed=args.flawed_seed, tuned_on='strength and KeepClose weights chosen on the first 8 flawed designs of generator seed 9', indices=idx, flaws=[sorted(f) for f in flaws], min_flaws=2, strength=args.strength,
                               keep=dict(ftensor=args.keep[0], pixel=args.keep[1]), steps=args.steps, ddim_steps=args.ddim_steps, lr=args.lr, guidance=args.improve_guidance,
                               reward='GrammarReward(encoder-64, abstractor-64), weights 1,1,1,1', judge_sum=list(JUDGE_SUM), batch=args.batch,
                               baseline='best_of_n(edit=inputs, t_start): SDEdit at the same noise level, the best by the same KeepClose objective'),
                 intent_read=dict(goal_correct=float(np.mean([int(c[0]) == d for c, d in zip(cond, [_intent(args.flawed_seed, i)[0] for i in idx])])),
                                  format_correct=float(np.mean([int(c[1]) == d for c, d in zip(cond, [_intent(args.flawed_seed, i)[1] for i in idx])]))),
                 seconds_per_design={k: round(v/len(X), 2) for k, v in secs.items()}, results=res)
    return entry

def _intent(seed, i):
    "The (goal, format) ids design `i` of generator seed `seed` was drawn for."
    from design_decomp.data import sample_design
    it = sample_design(seed, i)['intent']; return it['goal'], it['format']

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0]); a = p.add_argument
    a('--n', type=int, default=24, help='intents (goal × format cells, in order)'); a('--seeds', type=int, default=2, help='starting seeds per intent')
    a('--steps', type=int, default=30); a('--ddim_steps', type=int, default=4); a('--lr', type=float, default=0.05); a('--guidance', type=float, default=3.)
    a('--improve', type=int, default=24, help='flawed designs to improve'); a('--flawed_seed', type=int, default=11, help='their generator seed (not 0: training; not 9: tuning)'); a('--strength', type=float, default=0.6)
    a('--keep', type=lambda s: tuple(float(v) for v in s.split(',')), default=(100., 100.), help='KeepClose weights: F_Tensor masks, pixels')
    a('--improve_guidance', type=float, default=1.)
    a('--what', choices=('both', 'new', 'improve'), default='both')
    a('--batch', type=int, default=8); a('--judge_epochs', type=int, default=None, help="the judge Encoder's epochs (default: the best recipe's 22)"); a('--judge_only', action='store_true'); a('--device', default='cpu')
    a('--out', default=str(Path(__file__).with_suffix('.json')))
    args = p.parse_args()
    from design_decomp.core import machine_info, update_json, default_device
    from design_decomp.evaluate import judge_agreement
    os.chdir(root); dev = default_device(args.device)
    runs, data = Path('bench')/'runs', Path('bench')/'runs'/'pretrained_data_64'
    jck, jtrain = judge_encoder(runs/'judge_encoder_64', data, dev, args.judge_epochs)
    agree = judge_agreement(data, n=300, encoder=jck)
    from design_decomp.core import PRETRAINED_DIR
    if not (PRETRAINED_DIR/'encoder-64-judge').exists(): bundle_judge(jck, jtrain, agree)
    jck = 'encoder-64-judge'   # the judge as users get it: the bundled fp16 file
    base = lambda: dict(command='python bench/innovate.py ' + ' '.join(sys.argv[1:]), date=time.strftime('%Y-%m-%d %H:%M'), machine=machine_info('cpu'))
    if args.judge_only: update_json(args.out, 'judge_64', dict(base(), judge_encoder=dict(checkpoint=str(jck), trained=jtrain), judge_agreement=agree)); return
    if args.what in ('both', 'new'):
        e = new_designs(args, dev, jck, dict(base(), judge_encoder=dict(checkpoint=str(jck), trained=jtrain), judge_agreement=agree))
        update_json(args.out, f'{dev.type}_64', e); print(json.dumps({k: v for k, v in e.items() if k != 'judge_agreement'}, indent=1))
    if args.what in ('both', 'improve'):
        e = improve(args, dev, jck, dict(base(), judge_encoder=str(jck)))
        update_json(args.out, f'{dev.type}_64_improve', e); print(json.dumps(e, indent=1))

if __name__ == '__main__': main()
