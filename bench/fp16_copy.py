"""Write fp16, optimizer-free copies of checkpoints so they fit the device machine's 16 MiB-per-file transfer
(restore with `.float()` on each floating tensor). Usage: python3 bench/fp16_copy.py DEST RUN_DIR/ckpt.pth ...
Each copy goes to DEST/<its folder name>/, beside a copy of that folder's history files."""
import sys, torch
from pathlib import Path

def fp16_copy(src, dest_root):
    src = Path(src); ck = torch.load(src, map_location='cpu', weights_only=True); ck['optimizer_state_dict'] = None
    ck['model_state_dict'] = {k: v.half() if v.is_floating_point() else v for k, v in ck['model_state_dict'].items()}
    ck['transport'] = 'fp16 copy of the weights; optimizer state dropped'
    q = Path(dest_root)/src.parent.name; q.mkdir(parents=True, exist_ok=True); torch.save(ck, q/src.name)
    for f in src.parent.glob('*history*'): (q/f.name).write_bytes(f.read_bytes())
    return q/src.name

if __name__=='__main__':
    for p in sys.argv[2:]:
        print(fp16_copy(p, sys.argv[1]) if Path(p).exists() else f'missing {p}')
