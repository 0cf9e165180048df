#!/usr/bin/env bash
# The benchmark runs that need a GPU, as one script for a lent machine with a time limit (run from the repository
# root; writes bench JSONs, logs, sample grids and fp16 copies of the small checkpoints to $OUT, or bench/gpu_out).
#
#   bash bench/gpu.sh [DEADLINE_S]
#
# All four jobs share the GPU and run at once; each is sized to end before DEADLINE_S (default 500 s):
#   abs128       Abstractor at 128² (no max-pool, CoordConv), 20k designs, evaluated on true F_Tensors and end to end
#                through the CPU-trained 128² Encoder (bench/runs_long/enc_ours_128, carried)
#   abs128_base  the same Abstractor with torchvision's stem (max-pool, no coordinates): the ablation
#   enc64+abs64  Encoder and Abstractor at 64², the pair that reads the 64² Decoder's designs back (bench/decoder.py)
#   dec128       Decoder at 128² with bf16 autocast, then its full evaluation
set -u
DEADLINE=${1:-500}
OUT=${OUT:-bench/gpu_out}; mkdir -p "$OUT"
R=/tmp/runs; mkdir -p $R/enc_ours_128 $R/logs
T0=$(date +%s); el() { echo $(( $(date +%s)-T0 )); }
if [ -d .whl ]; then python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site; fi
export PYTHONPATH=${PYTHONPATH:+$PYTHONPATH:}$PWD PYTHONUNBUFFERED=1 MPLBACKEND=Agg
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch, fastai, design_decomp.decoder; print('torch', torch.__version__, 'fastai', fastai.__version__, torch.cuda.get_device_name())" || exit 1
cp bench/runs_long/enc_ours_128/encoder_best.pth $R/enc_ours_128/ || exit 1
python3 - <<'EOF'
import time, os
from design_decomp.data import generate_dataset
for size, n in ((128, 20000), (64, 10000)):
    t = time.time(); generate_dataset(f'/tmp/runs/data_{size}_{n}', n=n, size=size, seed=0, n_workers=os.cpu_count(), progress=False)
    print(f'data {size}² × {n}: {time.time()-t:.0f}s', flush=True)
EOF
echo "[$(el)s] data ready"
left() { echo $(( DEADLINE - $(date +%s) + T0 )); }
AB="python3 bench/abstractor.py --device cuda --runs $R --out $OUT/abstractor.json --ceiling_trees 0 --workers 3"
( timeout $(left) $AB --size 128 --n 20000 --epochs 18 --bs 64 --lr 1e-3 --no_maxpool --coord --encoder $R/enc_ours_128/encoder_best.pth
  echo "[$(el)s] abs128 exit $?" ) > $R/logs/abs128.log 2>&1 &
( timeout $(left) $AB --size 128 --n 20000 --epochs 18 --bs 64 --lr 1e-3 --tag base --encoder $R/enc_ours_128/encoder_best.pth
  echo "[$(el)s] abs128_base exit $?" ) > $R/logs/abs128_base.log 2>&1 &
( timeout $(left) python3 bench/encoder.py --device cuda --runs $R --out $OUT/encoder.json --size 64 --n 10000 --epochs 15 --bs 32 --lr 2e-3 --width 16 --skip_fastai --workers 3
  echo "[$(el)s] enc64 exit $?"
  timeout $(left) $AB --size 64 --n 10000 --epochs 15 --bs 64 --lr 1e-3 --no_maxpool --coord --encoder $R/enc_ours_64/encoder_best.pth
  echo "[$(el)s] abs64 exit $?" ) > $R/logs/enc64_abs64.log 2>&1 &
sleep 30  # let the 128² abstractor write its first checkpoint before the decoder run looks for one
( timeout $(left) python3 bench/decoder.py --device cuda --runs $R --out $OUT/decoder.json --size 128 --n 20000 --epochs 12 --bs 64 --lr 5e-4 \
    --width 64 --mixed_precision bf16 --workers 4 --threads 4 --eval_n 500 --n_cmp 32 --encoder $R/enc_ours_128/encoder_best.pth --abstractor $R/abs_128/abstractor_best.pth
  echo "[$(el)s] dec128 exit $?" ) > $R/logs/dec128.log 2>&1 &
while [ $(jobs -r | wc -l) -gt 0 ]; do sleep 20; echo "[$(el)s] $(nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader); $(tail -qn1 $R/logs/*.log | cut -c1-90 | tr '\n' '|')"; done
python3 bench/fp16_copy.py /tmp/ck /tmp/runs/abs_128/abstractor_best.pth /tmp/runs/abs_64/abstractor_best.pth /tmp/runs/enc_ours_64/encoder_best.pth  # under 16 MiB a file
cp $R/*/*.csv $R/*/*.png $R/logs/*.log /tmp/ck/ 2>/dev/null; mkdir -p /tmp/ck/dec128; cp $R/decoder_128/*.png $R/decoder_128/*.csv /tmp/ck/dec128/ 2>/dev/null
for d in $R/abs_* $R/enc_ours_64 $R/decoder_128; do [ -d $d ] && mkdir -p /tmp/ck/hist/$(basename $d) && cp $d/*.csv $d/*.png /tmp/ck/hist/$(basename $d)/ 2>/dev/null; done
tar -C /tmp/ck -czf /tmp/back.tgz . && split -b 15m /tmp/back.tgz $OUT/back.tgz.part_ && ls -la $OUT
echo "[$(el)s] done"
