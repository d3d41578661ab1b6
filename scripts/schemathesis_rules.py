"""The rejections a JSON Schema cannot rule out: rules that relate two values of one request (a kernel that
does not fit the padded input, ranks that do not pair, a ragged array, one bias per kernel, a step past the
last, a page's pair of query values, …) or a configured cost limit. The OpenAPI document states each of them
in words (the field's description); every rule it *can* state (bounds, enums, patterns) it states.

scripts/schemathesis_hooks.py drops "schema-valid request rejected" (ST202) only when the answer's ``detail``
matches one of these; tests/api/test_twin_properties.py holds the pages' JSON twins to the same list.
"""

from __future__ import annotations

import re

RELATIONAL = [re.compile(p) for p in (
    r"does not fit",                                    # kernel span > padded input
    r"has rank \d+ but the input has rank",             # kernel rank vs input rank
    r"channel\(s\) but the input has",                  # volume kernel channels vs input channels
    r"rectangular array",                               # rows of unequal length
    r"needs \d+ value\(s\), one per axis",              # per-axis list vs the input's rank
    r"must have rank 1 or 2, got rank",                 # a trace of pooling: the input's rank vs the op
    r"step must be between",                            # step vs the number of output cells
    r"at most half the (pool size|dilated pool's span)|smaller than the (pool size|dilated pool's span)",
    # pool padding vs pool size (PyTorch's rule on the pages, ONNX's in the API)
    r"covers padding only",                             # a dilated pool window left with no input cell
    r"give exactly one of|a trace needs exactly one kernel",  # input | image_id, kernel | kernels
    r"bias needs one value per filter|with one kernel, bias must be a single number",
    r"all kernels must have the same shape",
    r"groups \d+ (must divide|split|needs)",                # groups vs the input's channels and the kernels
    r"must be smaller than the stride",                 # output_padding vs stride and dilation
    r"the output would have -?\d+ cells on an axis",    # a transposed output padded away to nothing
    r"but there are \d+ kernels|one kernel turns",      # transposed: kernels vs the input's channels and rank
    r"spatial_dims \d (needs|takes|does not fit|turns)|a pooling trace steps",  # spatial_dims vs the input's rank
    r"input must have rank \d+, got rank",              # the input's rank vs the kernels' (ranks 1–3 are in the schema)
    r"is stepped with a kernel \(kh, kw, C\)",          # a per-channel kernel cannot be stepped
    r"but input_shape has \d+ axes|needs an input of shape|kernels need an input_shape|kernels must all have one shape"
    r"|with spatial_dims 1 the kernel is",
    # /api/matrix: the kernel's or kernels' rank vs input_shape
    r"row_start must be below",                         # /api/matrix: rows vs the number of rows
    r"exactly one unknown|gives output",                # /api/shape/solve: one value left out; no solution
    r"the result overflows",                            # values whose products overflow float64
    r"a PNG needs a 2-D output or 3 channels",          # ?format=png vs the output's shape
    r"CONVSTEP_[A-Z_]+",                                # a configured limit (413s quote their setting)
    r"the largest side allowed is",                     # CONVSTEP_MAX_KERNEL_SIZE on kernels
    r"the model takes input of shape",                  # /api/models/{id}/run: the input vs the model's input shape
    r"every row needs the same number of values",       # a page's grid or kernel typed with ragged rows
    r"lie inside the (\d+×\d+ )?image",                            # a page's crop vs the image's size
    r"compare must have the kernel's shape|compare needs every number on screen",  # /conv2d's compare vs kernel, image
    # the pages' JSON twins: rules relating two query values (each stated in its parameter's description)
    r"the output's last position",                      # /flip's at vs the output's length
    r"grid must be \d+×\d+ \(|grid values must lie between 0 and \d+ \(the digits",  # /network's grid vs its model
    r"at names a layer with feature maps|maps of \d+×\d+: at must be|no cell can be selected|shown, not selected",
    # /network's at vs the model's layers
    r"image feeds an uploaded model",                   # /network's image vs its model (digits takes none)
    r"y is what the forward layer outputs|y needs one \d+×\d+ matrix per kernel",  # /transpose's y vs the forward layer
    r"n must be below N = \d+ \(the kernels\) and c below C",  # /transpose's pair vs kernels and channels
    r"kernel holds \d+ (matrices, not a multiple|kernels of)",  # /transpose's kernel vs channels
    r"every matrix needs one shape",                    # /transpose's kernel or y: blocks of unequal shapes
    r"every row needs the same number of cells",        # /volume's input or weights typed ragged
    r"to solve, give padding as a number",              # /shapes: unknown vs padding=same
    r"at most d·\(k − 1\)",                             # /transpose: padding vs dilation and kernel
    r"given together|must be square|need one value per input channel",  # /volume's given input and weights
    r"^url: ",                                          # /api/classes: the page's own rules for its query (url's path
                                                        # is in the schema's pattern; each page's query rules in words)
)]


def relational(detail: str) -> bool:
    """Whether a 4xx's ``detail`` states one of the rules above."""
    return any(p.search(detail) for p in RELATIONAL)
