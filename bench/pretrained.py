"""Benchmark and build step: the bundled pretrained models, made by the product's own command and checked as users get them.

1. `dd_pipeline --full --size S --n N --out bench/runs/pretrained_S` (the `full` preset: every model's `best` recipe
   with its full epochs) up to the Decoder's training, or with --judge_run to its report -- stages already done there
   are skipped, so a finished run is only exported again;
2. `export_pretrained` (design_decomp.pretrained): fp16 safetensors + config.json + model card per model into
   design_decomp/models/{encoder,abstractor,decoder}-S, judged at `dd_pipeline --pretrained`'s settings (fp16 and
   fp32) and on the test slice, replacing the folders of the same names;
3. `dd_pipeline --pretrained --out bench/runs/pretrained_S_try`: the "try it now" command timed as a user runs it.

Writes bench/pretrained.json (entry {device}_{size}): commands, machine, training and export times, file sizes, the
criteria met, and the try-it-now time.

    .venv/bin/python bench/pretrained.py --size 64 --n 3000
"""
import argparse, json, os, shutil, subprocess, sys, time
from pathlib import Path

root = Path(__file__).resolve().parent.parent

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0]); a = p.add_argument
    a('--size', type=int, default=64); a('--n', type=int, default=3000)
    a('--device', default=None, help='for training (the cards are always measured on the CPU: the Decoder draws its noise on the device)')
    a('--reuse', action='store_true', help='no training or export: time the try-it-now command on the bundled models and record them')
    a('--judge_run', action='store_true', help="also the full preset's own judging of the trained Decoder and the run's report")
    a('--out', default=str(Path(__file__).with_suffix('.json')))
    args = p.parse_args()
    import matplotlib; matplotlib.use('Agg')
    from design_decomp.core import default_device, machine_info, update_json, PRETRAINED_DIR, pretrained_models
    from design_decomp.pipeline import run_pipeline, pipeline_config, PipelineState
    from design_decomp.pretrained import export_pretrained, KINDS
    os.chdir(root)  # the run folder relative, as dd_pipeline records it: an absolute path would not match its stage records and retrain
    dev = default_device(args.device); run = Path('bench')/'runs'/f'pretrained_{args.size}'
    cmd = f'dd_pipeline --full --size {args.size} --n {args.n} --out {run}'
    # seed 0: what dd_pipeline --pretrained regenerates. The stages up to the Decoder's training: the export judges the designs
    # itself, fp16 and fp32, at dd_pipeline --pretrained's settings (the full preset's own judging, 300 designs against 2,000
    # with DDIM-50, takes about 12 minutes more on 2 cores; --judge_run adds it and the run's report)
    if args.reuse: infos, t_export = {n: i for n, i in pretrained_models().items() if n.endswith(f'-{args.size}')}, None
    else:
        run_pipeline(run, pipeline_config('full', args.size, args.n), device=dev, command=cmd, until='report' if args.judge_run else 'decoder')
        t = time.time(); infos = export_pretrained(run, device='cpu'); t_export = round(time.time()-t, 1)
    try_out = root/'bench'/'runs'/f'pretrained_{args.size}_try'; shutil.rmtree(try_out, ignore_errors=True)
    t = time.time()
    r = subprocess.run([str(Path(sys.executable).parent/'dd_pipeline'), '--pretrained', '--size', str(args.size), '--device', 'cpu', '--out', str(try_out)],
                       capture_output=True, text=True)
    t_try = time.time()-t
    if r.returncode: raise SystemExit(f"dd_pipeline --pretrained failed:\n{r.stdout}\n{r.stderr}")
    rep = json.loads((try_out/'report.json').read_text())
    key = f'{dev.type}_{args.size}'   # the training device
    if (run/'pipeline.json').exists():
        st = PipelineState(run).d
        trained = dict(training_machine=dict(st['machine'], gflops_fp32_2048=st['stages']['encoder']['gflops']),
                       stage_seconds={k: v['seconds'] for k, v in st['stages'].items()}, export_seconds=t_export)
    else:  # --reuse without the training run's folder (git-ignored): its figures as the last full run of this script recorded them
        old = json.loads(Path(args.out).read_text()).get(key, {}) if Path(args.out).exists() else {}
        trained = {k: old.get(k) for k in ('training_machine', 'stage_seconds', 'export_seconds')}
    entry = dict(command='python bench/pretrained.py ' + ' '.join(sys.argv[1:]), training_command=cmd, date=time.strftime('%Y-%m-%d %H:%M'),
                 machine=machine_info('cpu'), **trained,
                 models={n: dict(kind=i['kind'], parameters=i['parameters'], epochs=i['epochs'], best_epoch=i['epoch'], train_seconds=i['train_seconds'],
                                 bytes=(PRETRAINED_DIR/n/'model.safetensors').stat().st_size,
                                 criteria_met=f"{sum(r['passed'] for r in i['figures']['report']['criteria'])} of {len(i['figures']['report']['criteria'])}")
                         for n, i in infos.items()},
                 total_bytes=sum(f.stat().st_size for n in infos for f in (PRETRAINED_DIR/n).iterdir()),
                 try_it_now=dict(command=f'dd_pipeline --pretrained --size {args.size} --out try', seconds=round(t_try, 1),
                                 passed=rep['passed'], failed=rep['failed']))
    update_json(args.out, key, entry)
    print(json.dumps(entry, indent=1))

if __name__ == '__main__': main()
