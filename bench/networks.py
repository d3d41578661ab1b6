"""Networks (issue 13's targets): one forward pass of the digit network with every intermediate kept
(≤ 5 ms), and a ~5 MB ONNX upload parsed and summarised (≤ 200 ms, memory bounded by the limits)."""

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
    return "\n".join([
        "## Networks (targets: the digit network's forward pass ≤ 5 ms; a 5 MB ONNX upload parsed and summarised"
        " ≤ 200 ms)",
        table(["what", "size", "median ms", "peak Python memory"], [
            ["digits forward, every layer's output kept", f"{net.total_params} parameters, 9 layers",
             ms(t_forward), "—"],
            ["ONNX read (limits, parse, tensors, chain, summary)",
             f"{len(blob) / 2**20:.1f} MiB, {model.total_params} parameters", ms(t_parse), f"{peak / 2**20:.1f} MiB"],
        ]),
    ])
