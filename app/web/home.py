"""/ — the lecture in the notes' order, one card per topic, each opening on a worked example."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from .page import canonical_href
from .render import render

router = APIRouter()

# (title, what it shows, [(example label, link), ...]) in the order of the lecture notes.
# Markup only wraps our own constant text (subscripts), never user input.
CARDS = [
    (
        "Local patterns, shared weights",
        "Each output sees only a small window of the input, and the same kernel slides everywhere:"
        " far fewer weights than a fully connected layer.",
        [("Slide a 3-tap kernel along a vector", "/conv1d"), ("…and the same sum as a matrix product", "/conv1d?step=2")],
    ),
    (
        "1-D convolution and its weight matrix",
        Markup(
            "<var>Y<sub>n</sub></var> = Σ<sub>j</sub> <var>X<sub>n+j</sub></var>·<var>w<sub>j</sub></var>, and the banded"
            " Toeplitz matrix that computes all of <var>Y</var> at once."
        ),
        [
            ("Stride 1: each row shifts one column", "/conv1d?input=1,2,3,4,5,6,7,8&kernel=1,2,3&stride=1"),
            ("Stride 2: rows skip two columns", "/conv1d?input=1,2,3,4,5,6,7,8&kernel=1,2,3&stride=2"),
        ],
    ),
    (
        "Filters: what kernels do",
        "The notes' table of filters, applied for real — with the two slips in the notes corrected.",
        [
            ("Identity", "/conv2d?image=shapes&kernel=identity"),
            ("Edge detection", "/conv2d?image=shapes&kernel=edge"),
            ("Sharpen (and the Laplacian the notes call sharpen)", "/conv2d?image=letter&kernel=sharpen"),
            ("Box blur 1/9", "/conv2d?image=checkerboard&kernel=box_blur"),
            ("Gaussian blur 1/16", "/conv2d?image=rings&kernel=gaussian_blur"),
        ],
    ),
    (
        "Stride and zero padding, step by step",
        "The notes' 4×4 grid with its ring of ghost zeros: watch every window, product and sum, and row i of W.",
        [
            ("The notes' grid, padding 1", "/conv2d"),
            ("Valid: no padding, smaller output", "/conv2d?padding=valid"),
            ("Stride 2", "/conv2d?stride=2"),
            ("Samples, or upload your own image", "/conv2d?image=digit#pick-image"),
        ],
    ),
    (
        "Pooling",
        "Max keeps the most prominent feature, average smooths; the map shrinks and learns nothing.",
        [("Max pooling 2×2", "/pool?op=max"), ("Average pooling 2×2", "/pool?op=avg")],
    ),
    (
        "Depth: channels and filters",
        "An RGB input, filters that span every channel, one feature map per filter.",
        [("Ex1: 5×5×3, 2 filters, F=3, p=1, s=2 → 3×3×2", "/volume"), ("Ex1 b: stride 3", "/volume?stride=3")],
    ),
    (
        "Transposed convolution: the layer turned over",
        Markup("Multiply by <var>W</var><sup>T</sup>: a 2×2 map back to 4×4, stepped as stamps that add (scatter) or as a"
               " plain convolution of the zero-stuffed input with the flipped kernel (gather); what output_padding picks."),
        [("The notes' grid: 4×4 → 2×2 → 4×4", "/transpose"), ("Gather: the flipped kernel", "/transpose?mode=gather"),
         ("2×2 kernel, stride 2: each cell becomes a block", "/transpose?kernel=1,1;1,1&padding=0")],
    ),
    (
        "Output sizes and parameter counts",
        Markup("W₂ = (W₁ + 2p − F)/s + 1, solving for an unknown, and W<sub>c</sub> = k²·C·N, B<sub>c</sub> = N."),
        [
            ("Ex1 a", "/shapes?input=5&kernel=3&padding=1&stride=2&channels=3&filters=2"),
            ("Ex1 b: stride 3 is not possible", "/shapes?input=5&kernel=3&padding=1&stride=3&channels=3&filters=2"),
            ("Ex2 a: F = ?", "/shapes?input=288&stride=2&padding=0&output=143&unknown=kernel&channels=3&filters=8"),
            ("Ex2 b: max pool after", "/shapes?input=288&kernel=4&stride=2&padding=0&channels=3&filters=8&pool=3&pool_stride=2"),
            ("11×11×3×96 (the notes' 34348 is a slip)", "/shapes?input=227&kernel=11&stride=4&channels=3&filters=96"),
            ("5×5×96×256", "/shapes?input=27&kernel=5&padding=2&channels=96&filters=256"),
            ("Stacking layers: AlexNet, LeNet", "/shapes?stack=alexnet"),
        ],
    ),
    (
        "But what is a “convolution”?",
        "The integral, its discrete form, and why CNNs really compute cross-correlation.",
        [("Flipped vs unflipped kernel", "/flip"), ("A symmetric kernel: no difference", "/flip?kernel=1,2,1")],
    ),
    (
        "CNN for text",
        "Embeddings, filters of widths 2, 3, 4 down the sentence, max over time, softmax.",
        [("Run a sentence through it", "/text"), ("1-D vs 2-D convolution", "/text#one-vs-two")],
    ),
    (
        "A trained network, layer by layer",
        "A small CNN trained on handwritten digits: its learned kernels, every feature map, pooling, the dense layer"
        " and the softmax; any first-layer cell opens the stepper on exactly that convolution.",
        [("A digit through the network", "/network")],
    ),
]


@router.get("/")
def home(request: Request) -> HTMLResponse:
    settings = request.app.state.settings
    cards = [(title, text, [(label, canonical_href(href, settings)) for label, href in links]) for title, text, links in CARDS]
    return render(request, "pages/home.html", "pages/home.html", {"cards": cards, "state": {}})
