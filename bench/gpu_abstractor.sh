#!/usr/bin/env bash
# One Abstractor variant at 128² on a lent GPU (run from the repository root; results to $OUT or bench/gpu_out):
#   bash bench/gpu_abstractor.sh DEADLINE_S [bench/abstractor.py flags...]
# Same data (20,000 designs, seed 0) and schedule as bench/gpu.sh's 128² runs, so the variants compare.
set -u
DEADLINE=$1; shift
OUT=${OUT:-bench/gpu_out}; mkdir -p "$OUT"
R=/tmp/runs; mkdir -p $R/enc_ours_128
T0=$(date +%s); el() { echo $(( $(date +%s)-T0 )); }
if [ -d .whl ]; then python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site; fi
export PYTHONPATH=${PYTHONPATH:+$PYTHONPATH:}$PWD PYTHONUNBUFFERED=1 MPLBACKEND=Agg
cp bench/runs_long/enc_ours_128/encoder_best.pth $R/enc_ours_128/ || exit 1
python3 -c "
import os, time; from design_decomp.data import generate_dataset
t = time.time(); generate_dataset('/tmp/runs/data_128_20000', n=20000, size=128, seed=0, n_workers=os.cpu_count(), progress=False); print(f'data: {time.time()-t:.0f}s')"
timeout $(( DEADLINE - $(el) )) python3 bench/abstractor.py --device cuda --runs $R --out $OUT/abstractor.json --ceiling_trees 0 --workers 12 \
    --size 128 --n 20000 --encoder $R/enc_ours_128/encoder_best.pth "$@" 2>&1 | tr '\r' '\n' | grep -v "^Epoch\|^$\|it/s\]" | tail -60
echo "[$(el)s] abstractor exit ${PIPESTATUS[0]}"
python3 bench/fp16_copy.py /tmp/ck /tmp/runs/abs_128*/abstractor_best.pth
tar -C /tmp/ck -czf /tmp/back.tgz . && split -b 15m /tmp/back.tgz $OUT/back.tgz.part_ && ls -la $OUT
echo "[$(el)s] done"
