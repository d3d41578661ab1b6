"""Upload path: a 12-megapixel JPEG to a stored working image, against Pillow's own decodes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

from app.imaging import decode_upload
from app.settings import Settings
from app.store import ImageStore

from .server import ROOT, running_server
from .timing import compare, ms, table


def _vm_hwm_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process, MB."""
    with open(f"/proc/{pid}/status") as f:
        return int(next(line for line in f if line.startswith("VmHWM")).split()[1]) / 1024


def http_rows(data: bytes, quick: bool) -> tuple[list[list[object]], float, float]:
    """The whole POST /api/images on a 1-worker uvicorn (one process), against the draft floor, interleaved.

    Also the worker's CPU time per upload (from /proc, so other load on the machine barely moves it)
    against the CPU time of a draft decode here: what the request costs, apart from when it waits.
    """
    import os
    import time

    import httpx

    from scripts.local_server import cpu_ticks

    draft_cpu = []

    def draft_decode():
        start = time.process_time()
        im = Image.open(io.BytesIO(data))
        im.draft("RGB", (512, 512))
        im.load()
        draft_cpu.append(time.process_time() - start)

    with running_server(workers=1) as server, httpx.Client(base_url=server.base, timeout=60) as client:
        idle = _vm_hwm_mb(server.process.pid)
        posts = 0

        def post():
            nonlocal posts
            client.post("/api/images", files={"file": ("photo.jpg", data, "image/jpeg")}).raise_for_status()
            posts += 1

        post()  # warm up outside the CPU count
        ticks, posts, draft_cpu[:] = cpu_ticks(server.process.pid), 0, []
        t = compare({"http": post, "draft": draft_decode}, repeat=3 if quick else 7, min_time=0.01)
        server_cpu = (cpu_ticks(server.process.pid) - ticks) / os.sysconf("SC_CLK_TCK") / posts
        peak = _vm_hwm_mb(server.process.pid)
    draft = sum(draft_cpu) / len(draft_cpu)
    rows = [["POST /api/images, whole request on loopback (1 worker)", ms(t["http"]), f"{t['http'] / t['draft']:.2f}×"],
            [f"worker CPU time per upload (vs a draft decode's CPU time, {ms(draft)} ms)", ms(server_cpu),
             f"{server_cpu / draft:.2f}×"]]
    return rows, idle, peak


def twelve_megapixels() -> bytes:
    rng = np.random.default_rng(5)
    y, x = np.mgrid[0:3000, 0:4000].astype(np.float32)
    base = (np.sin(x / 90) + np.cos(y / 70)) * 60 + 128
    noise = rng.normal(0, 25, (3000, 4000)).astype(np.float32)
    rgb = np.stack([base + noise, base * 0.8 + noise, 255 - base + noise], axis=-1)
    buf = io.BytesIO()
    Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


# VmHWM (peak resident memory) starts afresh at exec, unlike ru_maxrss which a child inherits
PEAK_SCRIPT = """
import json, sys
def hwm():
    line = next(l for l in open('/proc/self/status') if l.startswith('VmHWM'))
    return int(line.split()[1]) / 1024
from app.imaging import decode_upload
from app.settings import Settings
from app.store import ImageStore
data = open(sys.argv[1], 'rb').read()
before = hwm()
store = ImageStore(sys.argv[2], 10**9)
store.put(decode_upload(data, Settings()).pixels)
print(json.dumps({"before_mb": before, "peak_mb": hwm()}))
"""


def run(quick: bool = False) -> str:
    data = twelve_megapixels()
    settings = Settings()
    with tempfile.TemporaryDirectory() as tmp:
        store = ImageStore(tmp, 10**9)

        def full_decode():
            im = Image.open(io.BytesIO(data))
            im.load()
            im.thumbnail((512, 512))

        def draft_decode():
            im = Image.open(io.BytesIO(data))
            im.draft("RGB", (512, 512))
            im.load()

        def convstep():
            store._memory.clear()
            return store.put(decode_upload(data, settings).pixels)

        shape = decode_upload(data, settings).pixels.shape
        fresh = np.random.default_rng(6).integers(0, 256, (64, *shape), dtype=np.uint8)
        n_fresh = 0

        def put_new():  # a new image every time (the row above re-uploads the same one: the store only touches it)
            nonlocal n_fresh
            pixels = fresh[n_fresh % len(fresh)].copy()
            pixels[0, 0] = n_fresh // len(fresh) % 256  # distinct from every earlier call
            n_fresh += 1
            store.put(pixels)

        t = compare({"convstep": convstep, "full": full_decode, "draft": draft_decode, "put": put_new},
                    repeat=3 if quick else 5, min_time=0.01)
        path = f"{tmp}/photo.jpg"
        with open(path, "wb") as f:
            f.write(data)
        peak = json.loads(subprocess.run([sys.executable, "-c", PEAK_SCRIPT, path, f"{tmp}/store"], capture_output=True,
                                         text=True, check=True, cwd=str(ROOT)).stdout)
    http, idle, peak_worker = http_rows(data, quick)
    rows = [["Pillow full decode + thumbnail", ms(t["full"]), f"{t['full'] / t['draft']:.2f}×"],
            ["Pillow draft-mode decode (floor)", ms(t["draft"]), "1.00×"],
            ["convstep decode_upload + store.put (in process)", ms(t["convstep"]), f"{t['convstep'] / t['draft']:.2f}×"],
            ["store.put of a new image, not a re-upload (in process, store of ~50 images)", ms(t["put"]),
             f"{t['put'] / t['draft']:.2f}×"]] + http
    title = f"## 4. Upload path: 12-megapixel JPEG ({len(data) / 1e6:.1f} MB) → stored 512 px working image (target ≤ 1.2× floor)"
    return "\n".join([title,
                      table(["what", "ms", "vs draft floor"], rows), "",
                      f"Peak RSS (VmHWM) of the uvicorn worker: {idle:.0f} MB idle, {peak_worker:.0f} MB after the uploads above "
                      "(target < 300 MB).",
                      f"Peak RSS of a fresh process doing one upload in process: {peak['peak_mb']:.0f} MB "
                      f"(Python + NumPy + Pillow at start: {peak['before_mb']:.0f} MB)."])
