"""Per-frame work split over frame chunks and run on the machine's cores.

NumPy and OpenCV release the GIL in their array operations, so threads over independent chunks
of frames (or independent joint pairs) use every core without copying the arrays to other
processes; chunks also bound the temporaries of a long sequence. Results do not depend on the
number of threads: every chunk is computed exactly as it would be alone.
"""
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, List, Sequence

import numpy as np

#: Frames per chunk of per-frame work: large enough for NumPy's vectorization, small enough
#: to bound the temporaries (a few hundred MB at 17 joints and 4 views).
CHUNK_FRAMES = 8192


def thread_map(function: Callable, items: Sequence) -> List:
    """``[function(item) for item in items]`` on up to ``os.cpu_count()`` threads, in order."""
    workers = min(len(items), os.cpu_count() or 1)
    if workers <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(function, items))


def frame_chunks(num_frames: int) -> List[slice]:
    """Slices covering ``range(num_frames)`` in order, at most ``CHUNK_FRAMES`` frames each,
    split evenly over at least as many chunks as there are cores (when there are frames
    enough); always at least one (empty for no frame), so results can be concatenated."""
    chunk = CHUNK_FRAMES
    count = max(-(-num_frames // chunk), min(os.cpu_count() or 1, num_frames // 256), 1)
    edges = np.linspace(0, num_frames, count + 1).round().astype(int)
    return [slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]
