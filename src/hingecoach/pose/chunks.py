"""One clip on every core: pose estimation over time chunks in parallel worker processes.

A long clip is cut into consecutive time ranges, one per worker (:func:`plan_chunks`). Each
worker process opens the video itself, seeks to its range (:func:`hingecoach.io.video.iter_frames`
``start_s``/``end_s``) and runs its own pose estimator over it, so no decoded frame crosses a
process boundary and memory stays flat: a worker holds a few decoded frames and its range's
landmarks, never more. Only landmark arrays come back.

BlazePose tracks from frame to frame (the previous frame's body box seeds the next), so a
worker starts ``overlap_s`` before its range and throws those warm-up frames away: by the
range's first frame the tracker has locked on again. Each frame is kept from exactly one chunk,
the one whose interior (``keep_from_s <= t < keep_to_s``) it lies in, and the chunks are joined
in time order into the arrays of one track (:func:`pose_chunks`); the pipeline builds the
``PoseTrack`` and runs the engine once over the whole.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hingecoach.errors import HingeError
from hingecoach.io.video import VideoInfo, iter_frames

#: Clips at least this long are split over the cores by default (shorter ones gain less than a
#: worker's start-up: spawning a process and loading BlazePose cost about a second each).
MIN_PARALLEL_S = 20.0
#: Seconds decoded and tracked before a chunk's own range, then dropped (the tracker re-locks).
OVERLAP_S = 1.5
#: A worker's late start, in seconds of video: the calling process tracks the first chunk
#: itself, while each worker first starts an interpreter and imports (about 0.5 s of wall time,
#: about 1 s of video at BlazePose full's pace on one core); with the warm-up, the first chunk is
#: made that much longer than the others so that all end together.
WORKER_START_S = 1.0


@dataclass(frozen=True)
class Chunk:
    """A worker's part of a clip: decode ``[start_s, end_s)``; keep ``[keep_from_s, keep_to_s)``.

    The first chunk keeps from -inf and the last to +inf (container times need not start at 0)."""

    index: int
    start_s: float | None
    end_s: float | None
    keep_from_s: float
    keep_to_s: float


#: The whole clip as one chunk (no seek, every frame kept).
WHOLE = Chunk(index=0, start_s=None, end_s=None, keep_from_s=-math.inf, keep_to_s=math.inf)


#: progress(frames_done, frames_total_or_0, elapsed_s), as in :mod:`hingecoach.pipeline`
Progress = Callable[[int, int, float], None]


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def plan_chunks(duration_s: float, jobs: int, chunk_s: float | None = None,
                overlap_s: float = OVERLAP_S, head_start_s: float = WORKER_START_S) -> list[Chunk]:
    """Cut ``[0, duration_s)`` into chunks: ``jobs`` of them, or ones of ``chunk_s`` seconds
    when given (a test's way to put a chunk edge inside a rep). One chunk means no split.

    The ``jobs`` chunks are equal in work, not in length: every chunk after the first costs a
    worker ``overlap_s`` of warm-up and ``head_start_s`` of start-up (the first runs in the
    calling process, at once), so the first is that much longer than the others."""
    if duration_s <= 0 or jobs < 1:
        return [Chunk(0, None, None, -math.inf, math.inf)]
    n = max(1, math.ceil(duration_s / chunk_s)) if chunk_s else jobs
    extra = overlap_s + head_start_s
    if n == 1 or (not chunk_s and duration_s - extra <= n * extra):
        return [Chunk(0, None, None, -math.inf, math.inf)]
    if chunk_s:
        edges = [min(duration_s, k * chunk_s) for k in range(n + 1)]
    else:
        rest = (duration_s - extra) / n   # each later chunk; the first is rest + extra
        edges = [0.0] + [extra + rest * k for k in range(1, n)] + [duration_s]
    chunks = []
    for k in range(n):
        keep_from = -math.inf if k == 0 else edges[k]
        keep_to = math.inf if k == n - 1 else edges[k + 1]
        start = None if k == 0 else max(0.0, edges[k] - overlap_s)
        chunks.append(Chunk(k, start, None if k == n - 1 else edges[k + 1], keep_from, keep_to))
    return chunks


def should_split(info: VideoInfo, jobs: int | None, chunk_s: float | None = None) -> bool:
    """Whether a clip is worth splitting: more than one job and (unless ``chunk_s`` forces it)
    at least :data:`MIN_PARALLEL_S` long."""
    jobs = default_jobs() if jobs is None else jobs
    if jobs <= 1:
        return False
    return chunk_s is not None or info.duration_s >= MIN_PARALLEL_S


@dataclass
class ChunkPoses:
    """What a worker sends back for its chunk: landmarks per kept frame, never pixels."""

    index: int
    xy: np.ndarray            # (T, K, 2) float32
    confidence: np.ndarray    # (T, K) float32
    world: np.ndarray         # (T, K, 3) float32
    timestamps_s: np.ndarray  # (T,)
    profiles: list[np.ndarray | None] | None
    size: tuple[int, int] | None
    keypoints: tuple[str, ...]
    skeleton: str
    model: str
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


# Per worker process: a shared array of frames done, one slot per chunk (for the progress bar).
_DONE: Any = None


def _init_worker(done: Any) -> None:
    global _DONE
    _DONE = done
    try:
        import cv2

        cv2.setNumThreads(1)   # one core per worker; the workers are the parallelism
    except ImportError:  # pragma: no cover - cv2 is a dependency
        pass


def pose_chunk(info: VideoInfo, chunk: Chunk, model: str = "full", backend: str = "mediapipe",
               segmentation: bool = False, progress: Progress | None = None) -> ChunkPoses:
    """Run pose estimation over one chunk (in the calling process) and keep its interior.

    The whole clip is the chunk :data:`WHOLE` (one process, :func:`hingecoach.pipeline.track_from_video`);
    ``progress(frames_done, frames_total, elapsed_s)`` is then called after every frame."""
    from hingecoach.pose import get_backend

    started = time.perf_counter()
    estimator = get_backend(backend, model, segmentation=segmentation)
    xy: list[np.ndarray] = []
    conf: list[np.ndarray] = []
    world: list[np.ndarray] = []
    ts: list[float] = []
    profiles: list[np.ndarray | None] = []
    size: tuple[int, int] | None = None
    warnings: list[str] = []
    seen = 0
    try:
        try:
            for frame in iter_frames(info, warnings=warnings, start_s=chunk.start_s, end_s=chunk.end_s):
                fp = estimator.process(frame.rgb, frame.t_s)   # warm-up frames too: the tracker locks on
                seen += 1
                if progress is not None:
                    progress(seen, info.frame_count, time.perf_counter() - started)
                if _DONE is not None and seen % 5 == 0:
                    _DONE[chunk.index] = seen
                if not chunk.keep_from_s <= frame.t_s < chunk.keep_to_s:
                    continue
                if size is None:
                    size = (frame.rgb.shape[1], frame.rgb.shape[0])
                xy.append(fp.xy.astype(np.float32))
                conf.append(fp.confidence.astype(np.float32))
                world.append(fp.world.astype(np.float32) if fp.world is not None
                             else np.full((len(estimator.keypoints), 3), np.nan, np.float32))
                ts.append(frame.t_s)
                if segmentation:
                    profiles.append(fp.profile)
        except HingeError:
            if chunk.index == 0:
                raise
            # A later chunk that starts past the point where a damaged file broke: nothing of it.
            warnings.append(f"{info.path.name} is damaged or cut short: nothing could be decoded from "
                            f"{chunk.start_s or 0.0:.2f} s on; only the part before it was analysed")
        k = len(estimator.keypoints)
        if _DONE is not None:
            _DONE[chunk.index] = seen
        return ChunkPoses(
            index=chunk.index,
            xy=np.stack(xy) if xy else np.zeros((0, k, 2), np.float32),
            confidence=np.stack(conf) if conf else np.zeros((0, k), np.float32),
            world=np.stack(world) if world else np.zeros((0, k, 3), np.float32),
            timestamps_s=np.asarray(ts, dtype=np.float64),
            profiles=profiles if segmentation else None, size=size,
            keypoints=tuple(estimator.keypoints), skeleton=estimator.skeleton, model=estimator.model,
            warnings=warnings, seconds=time.perf_counter() - started)
    finally:
        estimator.close()




def pose_chunks(info: VideoInfo, chunks: list[Chunk], jobs: int, model: str = "full",
                backend: str = "mediapipe", segmentation: bool = False,
                progress: Progress | None = None) -> list[ChunkPoses]:
    """Run :func:`pose_chunk` for every chunk: the first in this process, the others in up to
    ``jobs - 1`` worker processes started before it (they spawn and load their model while this
    process already tracks); the results in time order. Progress counts every frame tracked,
    warm-up frames included (the total is the clip's frames plus the warm-ups)."""
    ctx = mp.get_context("spawn")   # a fresh interpreter: no inherited threads or native state
    done = ctx.Array("i", len(chunks), lock=False)
    overlap_frames = sum(int(round(((c.keep_from_s - c.start_s) if c.start_s is not None else 0.0) * info.fps))
                         for c in chunks)
    total = info.frame_count + overlap_frames if info.frame_count else 0
    started = time.perf_counter()
    last = [0.0]

    def report(own: int) -> None:
        now = time.perf_counter()
        if progress is not None and now - last[0] >= 0.25:
            last[0] = now
            progress(own + int(sum(done[1:])), total, now - started)

    pool = ProcessPoolExecutor(max_workers=max(1, min(jobs - 1, len(chunks) - 1)), mp_context=ctx,
                               initializer=_init_worker, initargs=(done,))
    try:
        futures: list[Future[ChunkPoses]] = [
            pool.submit(pose_chunk, info, c, model, backend, segmentation) for c in chunks[1:]]
        first = pose_chunk(info, chunks[0], model, backend, segmentation,
                           progress=lambda seen, _t, _e: report(seen))
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=0.25, return_when=FIRST_EXCEPTION)
            for f in finished:
                if f.exception() is not None:
                    raise f.exception()  # type: ignore[misc]
            report(len(first.timestamps_s))
        results = [first] + [f.result() for f in futures]
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)   # the error now, not after the other chunks
        raise
    pool.shutdown(wait=True)
    if progress is not None:
        progress(total, total, time.perf_counter() - started)
    return sorted(results, key=lambda r: r.index)


def join_chunks(parts: list[ChunkPoses], name: str = "the video") -> dict[str, Any]:
    """The chunks' kept frames end to end: arrays for one track, and the chunks' warnings."""
    parts = [p for p in parts if len(p.timestamps_s)]
    if not parts:
        raise HingeError(f"{name}: no frame could be decoded")
    ts = np.concatenate([p.timestamps_s for p in parts])
    if np.any(np.diff(ts) <= 0):   # cannot happen with disjoint keep ranges; a guard for odd containers
        order = np.argsort(ts, kind="stable")
        keep = np.concatenate([[True], np.diff(ts[order]) > 0])
        order = order[keep]
    else:
        order = np.arange(len(ts))
    warnings: list[str] = []
    for p in parts:
        warnings += [w for w in p.warnings if w not in warnings]
    profiles = None
    if parts[0].profiles is not None:
        flat = [q for p in parts for q in (p.profiles or [])]
        profiles = [flat[i] for i in order]
    return {
        "xy": np.concatenate([p.xy for p in parts])[order],
        "confidence": np.concatenate([p.confidence for p in parts])[order],
        "world": np.concatenate([p.world for p in parts])[order],
        "timestamps_s": ts[order], "profiles": profiles, "size": parts[0].size,
        "keypoints": parts[0].keypoints, "skeleton": parts[0].skeleton, "model": parts[0].model,
        "warnings": warnings, "chunks": [{"index": p.index, "frames": len(p.timestamps_s),
                                          "from_s": round(float(p.timestamps_s[0]), 3),
                                          "seconds": round(p.seconds, 2)} for p in parts],
    }

