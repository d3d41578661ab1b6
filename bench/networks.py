"""Networks (issue 13's targets): one forward pass of the digit network with every intermediate kept
(≤ 5 ms), a ~5 MB ONNX upload parsed and summarised (≤ 200 ms, memory bounded by the limits), and
/network's first render within 3× a /conv2d page's (each request a state never asked before, so the
page cache never answers: a new grid every time, in process through the app)."""

from __future__ import annotations

import tracemalloc

import numpy as np

from app.engine.network import forward
from app.models.digits import digits_network
from app.models.files import Limits, read_model
from app.settings import Settings

from .timing import median_time, ms, table


def onnx_blob(quick: bool) -> bytes:
    """A chain of three 3×3 convolutions, a global average pool and a Gemm: about 4.9 MB of float32 weights."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(13)
    widths = (8, 16, 16, 16) if quick else (64, 128, 256, 256)
    units = 32 if quick else 1024
    nodes, inits, prev = [], [], "x"
    for i, (cin, cout) in enumerate(zip(widths, widths[1:], strict=False)):
        inits += [numpy_helper.from_array(rng.standard_normal((cout, cin, 3, 3)).astype(np.float32), f"w{i}"),
                  numpy_helper.from_array(np.zeros(cout, dtype=np.float32), f"b{i}")]
        nodes += [helper.make_node("Conv", [prev, f"w{i}", f"b{i}"], [f"c{i}"], pads=[1, 1, 1, 1]),
                  helper.make_node("Relu", [f"c{i}"], [f"r{i}"])]
        prev = f"r{i}"
    inits += [numpy_helper.from_array(rng.standard_normal((widths[-1], units)).astype(np.float32), "wd"),
              numpy_helper.from_array(np.zeros(units, dtype=np.float32), "bd")]
    nodes += [helper.make_node("GlobalAveragePool", [prev], ["g"]), helper.make_node("Flatten", ["g"], ["f"]),
              helper.make_node("Gemm", ["f", "wd", "bd"], ["y"])]
    graph = helper.make_graph(nodes, "bench", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, widths[0], 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph).SerializeToString()


def first_renders(quick: bool) -> tuple[float, float, int, int]:
    """Median seconds of a never-seen /network and /conv2d page (the whole page, HTML), and their sizes."""
    import itertools
    import statistics
    import time

    from fastapi.testclient import TestClient

    from app.main import create_app

    counter = itertools.count(1)

    def grid(side: int, top: int) -> str:  # a state never asked before: n written in base top + 1 over the cells
        n, cells = next(counter), []
        for _ in range(side * side):
            n, digit = divmod(n, top + 1)
            cells.append(str(digit))
        return ";".join(",".join(cells[i * side : (i + 1) * side]) for i in range(side))

    def median(url: str, side: int, top: int, repeat: int) -> tuple[float, int]:
        times, size = [], 0
        for _ in range(repeat):
            u = url + grid(side, top)
            start = time.perf_counter()
            r = client.get(u, follow_redirects=False)
            times.append(time.perf_counter() - start)
            assert r.status_code == 200, (u, r.status_code)
            size = len(r.content)
        return statistics.median(times), size

    with TestClient(create_app()) as client:
        client.get("/network").raise_for_status()  # the first request of all loads the held-out split
        client.get("/conv2d").raise_for_status()
        repeat = 5 if quick else 25
        net, net_size = median("/network?grid=", 8, 16, repeat)  # the data set's 0–16
        conv, conv_size = median("/conv2d?grid=", 4, 99, repeat)
    return net, conv, net_size, conv_size


def run(quick: bool = False) -> str:
    net = digits_network()
    x = np.random.default_rng(1).uniform(0, 16, size=(1, 8, 8, 1))
    assert len(forward(net, x)) == len(net.layers)
    t_forward = median_time(lambda: forward(net, x), repeat=5, min_time=0.01 if quick else 0.2)
    blob = onnx_blob(quick)
    limits = Limits.from_settings(Settings())
    model = read_model(blob, "bench.onnx", limits)
    t_parse = median_time(lambda: read_model(blob, "bench.onnx", limits), repeat=3 if quick else 5,
                          min_time=0.01 if quick else 0.2)
    tracemalloc.start()
    read_model(blob, "bench.onnx", limits)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    t_net, t_conv, net_size, conv_size = first_renders(quick)
    return "\n".join([
        "## Networks (targets: the digit network's forward pass ≤ 5 ms; a 5 MB ONNX upload parsed and summarised"
        " ≤ 200 ms; /network's first render ≤ 3× a /conv2d page's)",
        table(["what", "size", "median ms", "peak Python memory"], [
            ["digits forward, every layer's output kept", f"{net.total_params} parameters, 9 layers",
             ms(t_forward), "—"],
            ["ONNX read (limits, parse, tensors, chain, summary)",
             f"{len(blob) / 2**20:.1f} MiB, {model.total_params} parameters", ms(t_parse), f"{peak / 2**20:.1f} MiB"],
            ["/network first render (a grid never asked before)", f"{net_size / 1024:.0f} kB of HTML", ms(t_net), "—"],
            ["/conv2d first render (the notes' 4×4 grid, changed)", f"{conv_size / 1024:.0f} kB of HTML", ms(t_conv), "—"],
        ]),
        f"/network ÷ /conv2d: **{t_net / t_conv:.2f}×** (target ≤ 3×).",
    ])
