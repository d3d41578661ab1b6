"""Run every benchmark and write docs/performance.md: `python -m bench [--quick] [--only NAME]`."""

from __future__ import annotations

import argparse
import datetime
import os
import platform
from pathlib import Path

from . import class_load, engine, layers, load, networks, render, stepping, upload

SECTIONS = {"engine": engine.run, "layers": layers.run, "stepping": stepping.run, "load": load.run, "upload": upload.run,
            "render": render.run, "networks": networks.run, "class": class_load.run}


def machine() -> str:
    import cv2
    import numpy
    import PIL
    import scipy

    info = Path("/proc/cpuinfo")
    lines = info.read_text().splitlines() if info.exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), platform.processor())
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "unknown"
    return (f"- date: {datetime.date.today().isoformat()}\n- CPU: {cpu}, {os.cpu_count()} cores\n"
            f"- Python {platform.python_version()}, NumPy {numpy.__version__}, SciPy {scipy.__version__}, "
            f"OpenCV {cv2.__version__}, Pillow {PIL.__version__}\n"
            f"- load average at start (1, 5, 15 min): {load} — the machine is shared; ratios are interleaved in one run\n"
            f"- OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')} (correlation does not use BLAS)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes and short runs (smoke test)")
    parser.add_argument("--only", choices=SECTIONS, action="append", help="run only these sections")
    parser.add_argument("--output", type=Path, default=None, help="write the markdown here (default: print only)")
    parser.add_argument("--class-seconds", type=float, default=class_load.SECONDS,
                        help="how long the teacher steps in the class section (default 60)")
    parser.add_argument("--class-followers", type=int, default=class_load.FOLLOWERS,
                        help="followers in the class section (default 200)")
    args = parser.parse_args()
    class_load.SECONDS, class_load.FOLLOWERS = args.class_seconds, args.class_followers
    parts = ["# Benchmark results", machine()]
    for name, run in SECTIONS.items():
        if args.only and name not in args.only:
            continue
        text = run(quick=args.quick)
        print(text, "\n", flush=True)
        parts.append(text)
    if args.output:
        args.output.write_text("\n\n".join(parts) + "\n")


if __name__ == "__main__":
    main()
