// The live output-size explorer on /conv2d: H₂ = (H₁ + 2p − F)/s + 1 recomputed as the student
// types, before Apply, with no request. This is the one place the browser does arithmetic: the
// engine's shape rule (app/engine/shapes.py, Axis.formula and Axis.explain) written again, and
// tests/browser/test_explorer.py checks every text below against the engine for many cases.
// Limits come from the page (data attributes), never from here. Apply still asks the engine.

function gcd(a, b) { return b ? gcd(b, a % b) : Math.abs(a); }

/** One axis of the geometry, as the engine's Axis computes it (same numbers, same words). */
export function axis(n, k, stride, pad, dilation, name) {
  const [pb, pa] = pad;
  const span = dilation * (k - 1) + 1;
  const padded = n + pb + pa;
  const slack = padded - span;
  const fits = slack >= 0;
  const out = fits ? Math.floor(slack / stride) + 1 : 0;
  const exact = fits && slack % stride === 0;
  const tail = fits ? slack % stride : padded;
  const padText = pb === pa ? `2·${pb}` : `${pb} + ${pa}`;
  const head = dilation === 1
    ? `(${n} + ${padText} − ${k}) / ${stride} + 1`
    : `(${n} + ${padText} − ${dilation}·(${k} − 1) − 1) / ${stride} + 1`;
  let formula;
  const g = gcd(slack, stride) || 1;
  const [num, den] = [slack / g, stride / g];
  if (den === 1) formula = `${head} = ${num} + 1 = ${num + 1}`;
  else formula = `${head} = ${num}/${den} + 1 = ${num + den}/${den}`;
  let tailText;
  const kind = pa >= tail ? "padded cell" : "cell";
  tailText = tail === 1 ? `the last ${kind} is never visited` : `the last ${tail} ${kind}s are never visited`;
  let explain;
  if (!fits) {
    explain = `${name}: the kernel spans ${span} cells but the padded input has only ${padded} (${n} + ${padText}); it does not fit even once`;
  } else {
    explain = `${name}: ${formula}`;
    if (!exact) explain += ` is not a whole number: stride ${stride} does not fit exactly; frameworks round down to ${out} and ${tailText}`;
  }
  // real input cells no kernel tap ever reads (the stride's gaps, dilation's holes, the tail)
  const seen = new Array(n).fill(false);
  for (let o = 0; o < out; o++) {
    for (let j = 0; j < k; j++) {
      const i = o * stride - pb + j * dilation;
      if (i >= 0 && i < n) seen[i] = true;
    }
  }
  const unvisited = seen.filter((s) => !s).length;
  return { n, k, stride, pad, dilation, name, span, padded, fits, out, exact, tail, head, formula, tailText, explain, unvisited };
}

/** Padding as the engine resolves it: "valid" = 0, "same" = d·(k − 1) in total, the odd cell after. */
export function resolvePadding(text, k, dilation) {
  const mode = text.trim().toLowerCase();
  if (mode === "valid") return [0, 0];
  if (mode === "same") { const t = dilation * (k - 1); return [Math.floor(t / 2), t - Math.floor(t / 2)]; }
  if (/^\d+$/.test(mode)) { const p = Number(mode); return [p, p]; }
  return undefined;
}

function wholeNumber(text, name, lo, hi, fallback) {
  const t = text.trim();
  if (t === "") return fallback;
  if (!/^-?\d+$/.test(t)) throw new Error(`${name} must be a whole number, got '${t.slice(0, 20)}'`);
  const v = Number(t);
  if (v < lo || v > hi) throw new Error(`${name} must be between ${lo} and ${hi}, got ${v}`);
  return v;
}

// Rows × columns of a matrix typed as rows split by ";" and values by ",", or null when it is not one yet.
export function matrixShape(text) {
  const rows = text.trim().replace(/^;+|;+$/g, "").split(";").filter((r) => r.trim() !== "");
  if (!rows.length) return null;
  const widths = rows.map((r) => r.split(",").length);
  if (new Set(widths).size !== 1) return null;
  return [rows.length, widths[0]];
}

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function termSpan(cls, text) { return el("span", { class: cls }, String(text)); }

/** The axis's formula with each term in its control's colour (the same text as axis().formula). */
function colouredFormula(a) {
  const [pb, pa] = a.pad;
  const parts = ["(", termSpan("t-in", a.n), " + "];
  if (pb === pa) parts.push("2·", termSpan("t-pad", pb));
  else parts.push(termSpan("t-pad", pb), " + ", termSpan("t-pad", pa));
  parts.push(" − ");
  if (a.dilation === 1) parts.push(termSpan("t-k", a.k));
  else parts.push(termSpan("t-dil", a.dilation), "·(", termSpan("t-k", a.k), " − 1) − 1");
  parts.push(") / ", termSpan("t-s", a.stride), " + 1");
  parts.push(a.formula.slice(a.head.length));  // the "= q + 1 = out" tail
  const math = el("span", { class: "math" });
  math.append(...parts);
  return math;
}

function readInput(form, box) {
  const crop = form.querySelector("[name=crop]");
  if (crop && /^\s*\d+\s*,\s*\d+\s*,\s*\d+\s*$/.test(crop.value)) {
    const size = Number(crop.value.split(",")[2]);
    return [size, size];
  }
  const grid = form.querySelector("[name=grid]");
  if (grid) return matrixShape(grid.value);
  const shape = box.dataset.in;
  return shape ? shape.split("x").map(Number) : null;
}

function readKernel(form) {
  const select = form.querySelector("[name=kernel]");
  const option = select?.selectedOptions[0];
  if (option && option.dataset.shape) return option.dataset.shape.split("x").map(Number);
  const custom = form.querySelector("[name=custom_kernel]");
  return custom ? matrixShape(custom.value) : null;
}

function update(box) {
  const form = box.closest("form");
  const lines = box.querySelector("[data-lines]");
  const lim = box.dataset;
  let axes;
  try {
    const input = readInput(form, box);
    if (!input) throw new Error("type the input as rows of numbers to see the output size");
    const kernel = readKernel(form);
    if (!kernel) throw new Error("type the kernel as rows of numbers to see the output size");
    const stride = wholeNumber(form.querySelector("[name=stride]").value, "stride", 1, Number(lim.maxStride), 1);
    const dilation = wholeNumber(form.querySelector("[name=dilation]").value, "dilation", 1, Number(lim.maxDilation), 1);
    const names = ["height", "width"];
    axes = [0, 1].map((i) => {
      const text = form.querySelector("[name=padding]").value;
      const pad = resolvePadding(text === "" ? "1" : text, kernel[i], dilation);
      if (pad === undefined) throw new Error(`padding must be "valid", "same" or a whole number, got '${text.trim().slice(0, 20)}'`);
      if (pad[0] > Number(lim.maxPadding)) throw new Error(`padding must be between 0 and ${lim.maxPadding}, got ${pad[0]}`);
      return axis(input[i], kernel[i], stride, pad, dilation, names[i]);
    });
  } catch (err) {
    lines.replaceChildren(el("p", { class: "pending" }, err.message));
    return;
  }
  const rows = axes.map((a) => {
    const p = el("p", { class: a.exact ? "" : "inexact", "data-axis": a.name });
    p.append(el("span", { class: "axis" }, a.name));
    if (!a.fits) {
      p.append(" ", el("strong", { class: "warn" }, `⚠ ${a.explain.slice(a.name.length + 2)}`));
      return p;
    }
    p.append(" ", colouredFormula(a));
    const verdict = [];
    if (!a.exact) verdict.push(`⚠ not a whole number: frameworks round down to ${a.out}; ${a.tailText}`);
    if (a.unvisited) verdict.push(`${a.unvisited} input ${a.unvisited === 1 ? "cell is" : "cells are"} never read`);
    if (verdict.length) p.append(" ", el("strong", { class: "warn" }, verdict.join(" · ")));
    return p;
  });
  const out = axes.every((a) => a.fits) ? `output ${axes[0].out}×${axes[1].out}` : "the kernel does not fit";
  rows.push(el("p", { class: "result-line" }, `→ ${out} (as typed)`));
  lines.replaceChildren(...rows);
}

// A kernel chosen but not applied yet survives choosing a sample or uploading: their links and the
// upload form carry what the kernel control holds now (a preset's name, or the custom numbers).
function carryKernel(form) {
  const select = form.querySelector("[name=kernel]");
  const custom = form.querySelector("[name=custom_kernel]");
  const kernel = select?.value || custom?.value.trim();
  if (!kernel) return;
  for (const a of document.querySelectorAll(".pick-image .samples a")) {
    const u = new URL(a.href, location.href);
    u.searchParams.set("kernel", kernel);
    a.href = u.pathname + u.search;
  }
  const hidden = document.querySelector(".pick-image form.upload [name=kernel]");
  if (hidden) hidden.value = kernel;
}

function init() {
  for (const box of document.querySelectorAll("[data-explorer]")) {
    if (box.dataset.live) continue;
    box.dataset.live = "1";
    const form = box.closest("form");
    form.addEventListener("input", () => update(box));
    form.addEventListener("change", () => { update(box); carryKernel(form); });
    update(box);
  }
}

init();
document.addEventListener("htmx:afterSwap", init);
