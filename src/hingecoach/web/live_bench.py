"""The live socket under load, for ``hinge bench``: many simulated athletes at once.

A real ``hinge serve`` runs in its own process; this process plays ``clients`` athletes, each
replaying a landmark stream (a generated hinge set, BlazePose-33, normalised as the browser
sends it) at ``fps`` in real time over its own WebSocket. Measured:

- the server's own cost per frame message, received → its events sent (``/live/stats``);
- the round trip seen by the clients: a frame sent → the ``state`` event it caused received
  (an upper bound of the server's latency: it adds the network stack and this process's own
  scheduling on the same cores);
- whether the server kept up: frames the clients sent on time, reps counted, the server's CPU.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from hingecoach.core.track.fakes import fake_hinge_track, hinge_movement
from hingecoach.core.track.skeletons import BLAZEPOSE33
from hingecoach.errors import HingeError
from hingecoach.web.bench import WebClient, running_server

SIZE = (640, 480)
#: Athletes start over this many seconds (about one rep of the generated set).
STAGGER_S = 4.0


def landmark_stream(seconds: float, fps: float) -> tuple[list[list[list[float]]], int]:
    """Per frame, 33 normalised [x, y, visibility] landmarks of a generated set lasting about
    ``seconds``; and its number of reps."""
    n_reps = max(1, int((seconds - 2.0) // 4.0))
    track = fake_hinge_track(hinge_movement(n_reps=n_reps, fps=fps), fps=fps, noise_px=1.0,
                             image_size=SIZE).standardized()
    index = [track.keypoints.index(n) if n in track.keypoints else -1 for n in BLAZEPOSE33]
    frames = []
    for i in range(track.n_frames):
        marks = []
        for j in index:
            x, y = track.xy[i, j] if j >= 0 else (np.nan, np.nan)
            ok = j >= 0 and np.isfinite(x) and np.isfinite(y)
            marks.append([round(float(x) / SIZE[0], 5), round(float(y) / SIZE[1], 5),
                          round(float(track.confidence[i, j]), 3)] if ok else [0.0, 0.0, 0.0])
        frames.append(marks)
    return frames, n_reps


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pct(xs: list[float], q: float) -> float | None:
    if not xs:
        return None
    s = sorted(xs)
    return round(1000.0 * s[min(len(s) - 1, int(q * len(s)))], 2)


async def _athlete(ws_url: str, cookie: str, messages: list[str], fps: float, t_start: float) -> dict[str, Any]:
    import websockets

    sent: dict[float, float] = {}
    rtts: list[float] = []
    late: list[float] = []
    reps = 0
    summary: dict[str, Any] | None = None
    async with websockets.connect(ws_url, open_timeout=60, max_queue=None,
                                  additional_headers={"Cookie": f"hinge_session={cookie}"}) as ws:
        await ws.send(json.dumps({"type": "start", "width": SIZE[0], "height": SIZE[1], "fps": fps}))
        ready = json.loads(await ws.recv())
        if ready.get("type") != "ready":
            raise HingeError(f"live socket refused the set: {ready}")

        async def receive() -> None:
            nonlocal reps, summary
            async for raw in ws:
                msg = json.loads(raw)
                kind = msg.get("type")
                if kind == "state":
                    t0 = sent.get(round(float(msg["t"]), 4))
                    if t0 is not None:
                        rtts.append(time.perf_counter() - t0)
                elif kind == "rep":
                    reps += 1
                elif kind == "summary":
                    summary = msg
                    return

        receiver = asyncio.create_task(receive())
        for i, text in enumerate(messages):
            due = t_start + i / fps
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                late.append(-delay)
            sent[round(i / fps, 4)] = time.perf_counter()
            await ws.send(text)
        await ws.send('{"type": "end"}')
        await asyncio.wait_for(receiver, timeout=120)
    return {"rtts": rtts, "late": late, "reps": reps, "summary_reps": (summary or {}).get("reps")}


def _sign_up(base: str, n: int) -> list[WebClient]:
    """``n`` athletes, each signed in."""
    athletes = [WebClient(base, timeout_s=60) for _ in range(n)]
    for i, athlete in enumerate(athletes):
        athlete.sign_up(f"athlete{i:03d}")
    return athletes


def _session_cookie(client: WebClient) -> str:
    return next(str(c.value) for c in client.cookies if c.name == "hinge_session")


def live_figures(clients: int = 50, seconds: float = 20.0, fps: float = 30.0) -> dict[str, Any]:
    """Run ``clients`` simulated athletes for about ``seconds`` at ``fps`` against a real server."""
    frames, n_reps = landmark_stream(seconds, fps)
    # Written once, sent by every athlete: this process's own cost stays small beside the server's.
    messages = [json.dumps({"type": "frame", "t": round(i / fps, 4), "landmarks": m}) for i, m in enumerate(frames)]
    with tempfile.TemporaryDirectory(prefix="hinge-live-bench-") as tmp, \
            running_server(str(Path(tmp) / "bench.db"), Path(tmp) / "data", log=Path(tmp) / "server.log") as server:
        athletes = _sign_up(server.url, clients)
        cookies = [_session_cookie(a) for a in athletes]
        ws_url = server.url.replace("http://", "ws://", 1) + "/live/ws"
        cpu0, wall0 = _cpu_seconds(server.process.pid), time.perf_counter()

        async def everyone() -> list[dict[str, Any]]:
            # Athletes start their sets at different moments over one rep's time (STAGGER_S), so
            # their cameras tick on their own phases and their reps end at different times, as
            # real ones do (in step, every athlete's frame would arrive in one burst, and every
            # rep would be rated at the same moment).
            start = time.perf_counter() + 1.0
            return await asyncio.gather(*[_athlete(ws_url, c, messages, fps, start + STAGGER_S * k / clients)
                                          for k, c in enumerate(cookies)])

        results = asyncio.run(everyone())
        wall = time.perf_counter() - wall0
        cpu = _cpu_seconds(server.process.pid) - cpu0
        server_stats = athletes[0].get("/live/stats").json()
    rtts = [x for r in results for x in r["rtts"]]
    late = [x for r in results for x in r["late"]]
    return {
        "clients": clients, "fps": fps, "stream_s": round(len(frames) / fps, 1), "frames_per_client": len(frames),
        "messages": server_stats.get("messages"),
        "server_ms": {"p50": server_stats.get("p50_ms"), "p95": server_stats.get("p95_ms"),
                      "max": server_stats.get("max_ms")},
        "round_trip_ms": {"p50": _pct(rtts, 0.5), "p95": _pct(rtts, 0.95), "max": _pct(rtts, 1.0)},
        # frames this process sent over a frame late: when high, the client side (same cores) lagged
        "frames_sent_late_share": round(sum(1 for x in late if x > 1.0 / fps) / max(1, clients * len(frames)), 4),
        "reps_expected": n_reps,
        "reps_counted_live": statistics.median(r["reps"] for r in results),
        "clients_with_all_reps": sum(1 for r in results if r["reps"] == n_reps and r["summary_reps"] == n_reps),
        "server_cpu_share_of_one_core": round(cpu / wall, 3) if wall > 0 else None,
        "cores": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2),
    }


def main() -> None:   # python -m hingecoach.web.live_bench [clients] [seconds]
    args = [float(a) for a in sys.argv[1:3]]
    print(json.dumps(live_figures(int(args[0]) if args else 50, args[1] if len(args) > 1 else 20.0), indent=2))


if __name__ == "__main__":
    main()
