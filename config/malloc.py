"""The web processes keep the memory they free for the next response.

A busy thread's page is a few hundred kilobytes, held in several buffers
while it is decompressed, sliced and sent. glibc gives each buffer that
large a mapping of its own and returns it on free (or trims the heap back),
so the next request faults those pages in again: a seventh of the time of a
cached busy page. Fixed thresholds keep such buffers on the heap and the
freed heap in the process, a few megabytes per worker at most.
"""

import ctypes
import ctypes.util

# From glibc's malloc.h.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 4 * 1024 * 1024
TRIM_THRESHOLD = 16 * 1024 * 1024


def keep_freed_memory() -> bool:
    """Set the thresholds; False where the C library is not glibc (and nothing changed)."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt if name else None
    except (OSError, AttributeError):
        mallopt = None
    if mallopt is None:
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
