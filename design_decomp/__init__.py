__version__ = "0.1.0"
import warnings as _w  # fastai 2.8.7 calls torch.jit.script, which torch 2.14 deprecates: a warning of theirs, printed by every command
_w.filterwarnings('ignore', message=r'.*torch\.jit\.script.*', category=FutureWarning)
