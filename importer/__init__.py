"""leadimport: lead spreadsheets into the Vox CRM, every good lead exactly once."""

import os

# pyarrow's allocator (mimalloc) commits its 1 GiB arenas eagerly as transparent huge pages; every
# arena it purges and reuses then faults in and zeroes 2 MiB pages again, which cost a third of the
# CPU time of validating a million rows. Committing on demand halves the kernel's share. Read once,
# when pyarrow loads; a value the user set is kept.
os.environ.setdefault("MIMALLOC_ARENA_EAGER_COMMIT", "0")
# numpy's OpenBLAS starts a thread per core that spins waiting for work; leadimport does no linear
# algebra, so those threads only take CPU time from Arrow's.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
