"""leadimport: lead spreadsheets into the Vox CRM, every good lead exactly once."""

import os

# pyarrow's allocator (mimalloc) commits its 1 GiB arenas eagerly as transparent huge pages; every
# arena it purges and reuses then faults in and zeroes 2 MiB pages again, which cost a third of the
# CPU time of validating a million rows. Committing on demand halves the kernel's share. Read once,
# when pyarrow loads; a value the user set is kept.
os.environ.setdefault("MIMALLOC_ARENA_EAGER_COMMIT", "0")

__version__ = "0.1.0"
