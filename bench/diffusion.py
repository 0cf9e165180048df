"""Benchmark (not a test): sampling cost per image at 64² for DDPM-1000 vs DDIM-50 with the same model.

It measures the samplers of `03_diffusion` alone, on a small conv U-Net stand-in defined here (2 resolutions + a
middle block, GroupNorm/SiLU residual blocks, sinusoidal time embedding, a mean-pooled embedding of V_Meta-like
token ids as condition, no attention), so that the figure doesn't move when the Decoder's architecture does. It is
untrained: sampling cost doesn't depend on the weights. The trained Decoder's own DDIM-50 vs DDPM-1000 comparison
(time and FID) is in `bench/decoder.json`. Writes `bench/diffusion.json`.

    .venv/bin/python bench/diffusion.py            # the full run (DDPM-1000 is timed completely)
    .venv/bin/python bench/diffusion.py --quick    # a smoke run with fewer steps, to check the script
"""
import argparse, json, os, platform, sys, time
from pathlib import Path
import torch, torch.nn as nn, torch.nn.functional as F
from design_decomp.core import save_json, machine_info, machine_text
from design_decomp.diffusion import noise_schedule, ddpm_sample, ddim_sample, timestep_embedding

class ResBlock(nn.Module):
    "GroupNorm-SiLU-conv ×2 with the embedding added in between, and a 1×1 skip when channels change."
    def __init__(self, ni, nf, ne):
        super().__init__()
        self.n1,self.c1 = nn.GroupNorm(8, ni),nn.Conv2d(ni, nf, 3, padding=1)
        self.emb = nn.Linear(ne, nf)
        self.n2,self.c2 = nn.GroupNorm(8, nf),nn.Conv2d(nf, nf, 3, padding=1)
        self.skip = nn.Conv2d(ni, nf, 1) if ni!=nf else nn.Identity()
    def forward(self, x, e):
        h = self.c1(F.silu(self.n1(x))) + self.emb(e)[:,:,None,None]
        return self.c2(F.silu(self.n2(h))) + self.skip(x)

class StandInUNet(nn.Module):
    "Small conditional conv U-Net `model(x_t, t, cond)`; `cond` is a LongTensor [B, L] of token ids, 0 = null."
    def __init__(self, c=3, nfs=(32, 64, 128), n_tok=64, ne=128):
        super().__init__()
        self.ne = ne
        self.temb = nn.Sequential(nn.Linear(ne, ne), nn.SiLU(), nn.Linear(ne, ne))
        self.tok = nn.Embedding(n_tok, ne)
        self.inp = nn.Conv2d(c, nfs[0], 3, padding=1)
        self.downs = nn.ModuleList([ResBlock(a, b, ne) for a,b in zip(nfs[:-1], nfs[1:])])
        self.mid = ResBlock(nfs[-1], nfs[-1], ne)
        self.ups = nn.ModuleList([ResBlock(b+a, a, ne) for a,b in zip(nfs[:-1], nfs[1:])][::-1])
        self.out = nn.Sequential(nn.GroupNorm(8, nfs[0]), nn.SiLU(), nn.Conv2d(nfs[0], c, 3, padding=1))
    def forward(self, x, t, cond=None):
        e = self.temb(timestep_embedding(t, self.ne).to(x))
        if cond is not None: e = e + self.tok(cond).mean(1)
        h,skips = self.inp(x),[]
        for d in self.downs: skips.append(h); h = F.avg_pool2d(d(h, e), 2)
        h = self.mid(h, e)
        for u in self.ups: h = F.interpolate(h, scale_factor=2.); h = u(torch.cat([h, skips.pop()], 1), e)
        return self.out(h)

def timed(f, n_img):
    t0 = time.perf_counter(); x = f(); dt = time.perf_counter()-t0
    assert torch.isfinite(x).all()
    return dict(seconds_total=round(dt, 2), seconds_per_image=round(dt/n_img, 3))

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--size', type=int, default=64); p.add_argument('--bs', type=int, default=4)
    p.add_argument('--quick', action='store_true')
    p.add_argument('--threads', type=int, default=1) # on 2 shared cores a second thread made each call ~15x slower
    p.add_argument('--out', default=str(Path(__file__).with_suffix('.json')))
    a = p.parse_args()
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    T = 1000 if not a.quick else 20
    sched = noise_schedule('linear', T)
    model = StandInUNet().eval()
    shape,cond = (a.bs, 3, a.size, a.size),torch.randint(1, 64, (a.bs, 4))
    kw = dict(cond=cond, seed=0, progress=False, clip=1.)
    load0 = os.getloadavg()
    t_start = time.perf_counter()
    call = {}
    with torch.no_grad():
        for th in sorted({1, 2, a.threads}):  # the cost of one model call at each thread count, for the record
            torch.set_num_threads(th); model(torch.randn(shape), torch.zeros(a.bs, dtype=torch.long), cond)
            t0 = time.perf_counter()
            for _ in range(5): model(torch.randn(shape), torch.zeros(a.bs, dtype=torch.long), cond)
            call[f'{th}_threads'] = round((time.perf_counter()-t0)/5, 4)
    torch.set_num_threads(a.threads)
    n50 = 50 if not a.quick else 5
    res = {f'ddpm_{T}': dict(steps=T, **timed(lambda: ddpm_sample(model, sched, shape, **kw), a.bs)),
           f'ddim_{n50}': dict(steps=n50, eta=0., **timed(lambda: ddim_sample(model, sched, shape, n_steps=n50, **kw), a.bs)),
           f'ddim_{n50}_cfg_w3': dict(steps=n50, eta=0., guidance_w=3., note='classifier-free guidance: every model call runs on 2×batch',
                                     **timed(lambda: ddim_sample(model, sched, shape, n_steps=n50, w=3., null_cond=0, **kw), a.bs))}
    d,i = res[f'ddpm_{T}'],res[f'ddim_{n50}']
    out = dict(
        what='sampling cost per image, DDPM vs DDIM, same model and batch (design_decomp.diffusion)',
        command=' '.join(['.venv/bin/python', 'bench/diffusion.py', *sys.argv[1:]]),
        machine=machine_text(machine_info()),
        loadavg_1min_before_after=[round(load0[0], 2), round(os.getloadavg()[0], 2)],
        torch=torch.__version__, python=platform.python_version(), torch_threads=torch.get_num_threads(),
        model=dict(name='StandInUNet (bench/diffusion.py)', params=sum(p.numel() for p in model.parameters()),
                   note='stand-in: the decoder of 04_decoder does not exist yet; a small conv U-Net '
                        '(channels 32/64/128, 2 resolutions + middle block, no attention), untrained'),
        image_size=a.size, batch_size=a.bs, dtype='float32', schedule=f'linear, T={T}',
        seconds_per_model_call=call, results=res,
        speedup_ddim_over_ddpm=round(d['seconds_total']/i['seconds_total'], 1),
        bench_wall_seconds=round(time.perf_counter()-t_start, 1), quick=a.quick)
    save_json(a.out, out, indent=1)
    print(json.dumps(out, indent=1)); print('wrote', a.out)

if __name__ == '__main__': main()
