"""Benchmark: designs per second written by `generate_dataset` (layout, scores, render and atomic writes of all
three files), at 256² with 2 workers by default. Writes bench/data.json with the command that made it.

    python bench/data.py [--n 4000] [--size 256] [--workers 2]
"""
import argparse, json, os, platform, shutil, sys, tempfile, time
from pathlib import Path
import numpy as np

def _compute_only(idxs, size):
    "Make designs without writing them (the generator's own speed)."
    from design_decomp.data import make_design
    for i in idxs: make_design(2, i, size)
    return len(idxs)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--n', type=int, default=4000); p.add_argument('--size', type=int, default=256)
    p.add_argument('--workers', type=int, default=2); p.add_argument('--out', default=str(Path(__file__).with_suffix('.json')))
    a = p.parse_args()
    from design_decomp.data import generate_dataset, sample_design, grammar_scores, render, make_design, _fn
    from design_decomp.core import save_npy, save_json, machine_info, machine_text
    tmp = Path(tempfile.mkdtemp(prefix='dd_bench_data_'))
    try:
        t = time.perf_counter(); generate_dataset(tmp/'ds', n=a.n, size=a.size, seed=0, n_workers=a.workers, progress=False)
        wall = time.perf_counter()-t
        from fastcore.parallel import parallel
        chunks = [list(range(i, min(i+50, a.n))) for i in range(0, a.n, 50)]
        t = time.perf_counter(); parallel(_compute_only, chunks, size=a.size, n_workers=a.workers, progress=False)
        wall_compute = time.perf_counter()-t
        # where the time goes, one process, 300 designs
        stages = dict(layout=0., scores=0., render=0., write=0.)
        for i in range(300):
            t0 = time.perf_counter(); d = sample_design(1, i); t1 = time.perf_counter(); g = grammar_scores(d)
            t2 = time.perf_counter(); img, f = render(d, a.size); t3 = time.perf_counter()
            save_npy(_fn(tmp/'w', 'images', i), img); save_npy(_fn(tmp/'w', 'f_tensors', i), f)
            save_json(_fn(tmp/'w', 'metadata', i), dict(design_json=d, v_grammar=g)); t4 = time.perf_counter()
            for k, dt in zip(stages, (t1-t0, t2-t1, t3-t2, t4-t3)): stages[k] += dt
        per = {k: round(v/300*1000, 3) for k,v in stages.items()}
        size_mb = sum(f.stat().st_size for f in (tmp/'ds').rglob('*') if f.is_file())/2**20
    finally: shutil.rmtree(tmp, ignore_errors=True)
    res = dict(command='python bench/data.py ' + ' '.join(sys.argv[1:]), n=a.n, size=a.size, workers=a.workers,
               seconds=round(wall, 2), designs_per_s=round(a.n/wall, 1), target_designs_per_s=400,
               designs_per_s_without_writing=round(a.n/wall_compute, 1),
               ms_per_design_one_process=per, dataset_MiB=round(size_mb, 1),
               machine=machine_text(machine_info()) + f', Python {platform.python_version()}, numpy {np.__version__}',
               load_average_1min=round(os.getloadavg()[0], 2), date=time.strftime('%Y-%m-%d'))
    Path(a.out).write_text(json.dumps(res, indent=1)+'\n')
    print(json.dumps(res, indent=1))

if __name__=='__main__': main()
