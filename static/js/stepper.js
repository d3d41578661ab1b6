// Enhancements for the stepping pages. Everything here is optional: every control is a real
// link or form, so the pages work with no JavaScript and with htmx unreachable.
// Keys: ←/→ step, Shift+←/→ row, Space play/pause, Home/End, P projector, F full screen.
// Single-key shortcuts (P, F, Space) can be switched off on screen (WCAG 2.1.4); the choice is kept.
//
// Small configurations embed every step (<div id="step-data" data-json='…'>, not a script: htmx drops
// scripts from what it swaps in; built by
// app/web/step_data.py from the engine's traces): stepping then makes no request at all, and this file
// copies those values into the page; what follows from the geometry alone (where the window is, which
// of its cells are padding, the status line, the double sum's indices, W's rows) it lays out from the
// block's `derive` (function derived), with numbers the server formatted (products by value and tap,
// sums, results). An image page (data-remote) asks the server for one step at a
// time: the answer is the lines that change, as HTML that htmx swaps out of band by id
// (conv2d_step_parts.html), and the tables as data (#step-view, app/web/step_view.py) that this file lays
// out into the DOM the server draws on a page load; it asks, moves the URL and drops stale answers.
// It never computes a number it shows: only cell indices.
// Every limit and default comes from the page (data attributes, the selected option), never from here.

document.documentElement.classList.add("js");

const KEYS = {
  ArrowRight: "next", ArrowLeft: "prev", Home: "first", End: "last",
  "Shift+ArrowRight": "next-row", "Shift+ArrowLeft": "prev-row", p: "projector", P: "projector",
  k: "next-kernel", K: "next-kernel",
};
const SINGLE = new Set(["p", "P", "f", "F", "k", "K", " "]); // character keys: they obey the on-screen switch
const PLAY_KEY = "convstep-play";
const SPEED_KEY = "convstep-speed";
const SINGLE_KEYS = "convstep-single-keys";
const APPLIED_KEY = "convstep-applied"; // the view when Apply was pressed: {y, open} (scroll position, settings bar open)
const reducedMotion = window.matchMedia?.("(prefers-reduced-motion: reduce)");
let timer = null;

function control(name) {
  return document.querySelector(`[data-key="${name}"]:not(.disabled)`);
}

function typing(target) {
  return target.closest("input, textarea, select, [contenteditable]") !== null;
}

function onControl(target) {
  return target.closest("a[href], button, summary, input, select, textarea") !== null;
}

function singleKeysOn() { return localStorage.getItem(SINGLE_KEYS) !== "off"; }

// The live region outside the swapped area: screen readers hear every new step.
function announce(text) {
  const region = document.getElementById("announcer");
  if (region && text) region.textContent = text.trim();
}

// Go to a URL the way a link would: through htmx when htmx is here (the container's hx-target and hx-swap).
function visit(url, source) {
  if (window.htmx && source) {
    const target = source.closest("[hx-target]")?.getAttribute("hx-target") || "#app";
    const swap = source.closest("[hx-swap]")?.getAttribute("hx-swap") || "outerHTML";
    window.htmx.ajax("GET", url, { source, target, swap }).then(() => { history.pushState({}, "", url); shown(url); });
  } else {
    window.location.href = url;
  }
}

// ---------------------------------------------------------------- stepping in the page
let client = null; // {data, ws, remote, binds, cells, orders, marked}

// An image page steps through its links: the step URL pattern, the first and last step and the row
// length come from the workspace's data attributes; the step on screen from the swapped-in status.
function remoteData(ws) {
  const at = Number(document.getElementById("status")?.dataset.step ?? ws.dataset.step);
  return { url: ws.dataset.stepUrl, first: ws.dataset.firstUrl, last: Number(ws.dataset.last),
           row: Number(ws.dataset.outWidth), at, marks: {}, fields: [] };
}

function initClient() {
  const ws = document.querySelector("[data-client]");
  const remote = ws?.hasAttribute("data-remote");
  const script = remote ? null : document.getElementById("step-data");
  if (!ws || (!remote && !script)) { client = null; return; }
  const data = remote ? remoteData(ws) : JSON.parse(script.getAttribute("data-json"));
  const group = (selector, key) => { // data-b may name several fields: "pad3 win3 wv3"
    const map = new Map();
    for (const el of ws.querySelectorAll(selector)) {
      for (const k of el.dataset[key].split(/\s+/)) {
        if (!map.has(k)) map.set(k, []);
        map.get(k).push(el);
      }
    }
    return map;
  };
  const asked = client && client.ws === ws ? { pending: client.pending, latest: client.latest } : {}; // an image step in flight
  client = { ...asked, data, ws, remote, binds: group("[data-b]", "b"), cells: group("[data-cell]", "cell"),
             orders: [...ws.querySelectorAll("[data-order]")], marked: {} };
  if (data.derive) deriveMatrix(data);
  for (const name of [...Object.keys(data.marks), ...(data.derive ? ["win"] : [])]) {
    client.marked[name] = [...ws.querySelectorAll(`[data-cell].${name}`)];
  }
}

// ---------------------------------------------------------------- what the geometry says (data.derive)
// The window of a step on a 2-D numbers page, from the geometry alone (app/web/step_data.py window_data):
// output cell (r, c) reads input (r·s − p + m·d, c·s − p + n·d) for tap (m, n); a tap off the input reads
// the padding's zero. Returns each tap's input cell (or −1 on padding) and the window's data-cell ids.
function windowAt(d, step) {
  const [h, w] = d.in, [kh, kw] = d.k, ow = d.out[1];
  const r = Math.floor(step / ow), c = step % ow;
  const top = r * d.stride[0] - d.pad[0], left = c * d.stride[1] - d.pad[1];
  const taps = [], ids = [];
  for (let m = 0; m < kh; m++) {
    for (let n = 0; n < kw; n++) {
      const pr = top + m * d.dil[0], pc = left + n * d.dil[1];
      taps.push(pr >= 0 && pr < h && pc >= 0 && pc < w ? pr * w + pc : -1);
      ids.push((pr + d.pad[0]) * d.pw + pc + d.pad[1]);
    }
  }
  return { r, c, top, left, taps, ids };
}

const signed = (v) => String(v).replace("-", "−"); // an integer as the server writes it (format_signed)

// The fields a step's values leave out, as the server would have sent them (step_data.py: tap_fields,
// conv_status, double_sum, stride_picture.step_fields; on /pool pool_status and the window's values), and
// the window's cells (mark "win").
function derived(step) {
  const d = client.data.derive;
  if (d.volume) return derivedVolume(d, step);
  const { r, c, top, left, taps, ids } = windowAt(d, step);
  const [kh, kw] = d.k;
  const partly = taps.includes(-1) ? ", partly on zero padding" : "";
  const where = `(row ${r}, column ${c}) · window starts at (row ${top}, column ${left})${partly}`;
  if (d.pool) {
    const values = { status: `Step ${step + 1} of ${client.data.last + 1} · pooled cell ${where}` };
    taps.forEach((cell, i) => {
      values[`wv${i}`] = d.vals[cell < 0 ? d.zero : d.xv[cell]];
      values[`pad${i}`] = cell < 0;
      values[`win${i}`] = cell >= 0;
    });
    const won = client.data.marks.winner?.[step]?.[0]; // its data-cell id: where it sits in the padded grid
    if (won !== undefined) values.winner = `at row ${Math.floor(won / d.pw) - d.pad[0]}, column ${(won % d.pw) - d.pad[1]}`;
    return { values, win: ids };
  }
  const values = { step: String(step) };
  taps.forEach((cell, i) => {
    const v = cell < 0 ? d.zero : d.xv[cell];
    values[`x${i}`] = d.vals[v];
    values[`p${i}`] = d.prod[v][i];
    values[`pad${i}`] = cell < 0;
    if (d.bprod) values[`bp${i}`] = d.bprod[v][i];
  });
  values.status = `Step ${step + 1} of ${client.data.last + 1} · output cell ${where}`;
  // the notes' double sum with this step's numbers put in (step_data.double_sum)
  const [s0, s1] = d.stride, [p0, p1] = d.pad, [d0, d1] = d.dil;
  const at = (o, s, p, dd, tap) => `${o}·${s}${p ? ` − ${p}` : ""} + ${dd === 1 ? tap : dd + tap}`;
  const index = (base, tap, dd) => { const t = dd === 1 ? tap : `${dd}${tap}`; return base === 0 ? t : `${signed(base)} + ${t}`; };
  const k = d.flip ? `k[${kh - 1} − m, ${kw - 1} − n]` : "k[m, n]";
  let terms = [];
  for (let m = 0; m < kh; m++) {
    for (let n = 0; n < kw; n++) {
      const [km, kn] = d.flip ? [kh - 1 - m, kw - 1 - n] : [m, n];
      terms.push(`x[${signed(r * s0 - p0 + d0 * m)}, ${signed(c * s1 - p1 + d1 * n)}]·k[${km}, ${kn}]`);
    }
  }
  if (terms.length > d.most) terms = [...terms.slice(0, d.most - 1), "…", terms[terms.length - 1]]; // the first few and the last
  values.dsum = `y[${r}, ${c}] = Σₘ Σₙ x[${at(r, s0, p0, d0, "m")}, ${at(c, s1, p1, d1, "n")}]·${k}`
    + ` = Σₘ Σₙ x[${index(r * s0 - p0, "m", d0)}, ${index(c * s1 - p1, "n", d1)}]·${k}`
    + ` = ${terms.join(" + ")}${d.bias ? " + b" : ""} = ${field("result", step)}`;
  // the stride picture's current and previous window (SVG transforms, in cells of the padded input)
  const move = (i) => `translate(${(i % d.out[1]) * s1} ${Math.floor(i / d.out[1]) * s0})`;
  values["cur@transform"] = move(step);
  values["prev@transform"] = move(Math.max(step - 1, 0));
  values["prev@visibility"] = step > 0 ? "visible" : "hidden";
  return { values, win: ids };
}

// /volume: filter n's steps are its feature map's cells; each channel slice's products come from that channel's
// table (step_data.volume_data), "·" where the filter does not see the channel.
function derivedVolume(d, step) {
  const per = d.out[0] * d.out[1], n = Math.floor(step / per);
  const { r, c, taps, ids } = windowAt(d, step % per);
  const values = { status: `Step ${step + 1} of ${client.data.last + 1} · filter ${n} · output cell (row ${r}, column ${c}) of feature map ${n}` };
  d.vprod[n].forEach((table, ch) => {
    taps.forEach((cell, i) => {
      values[`q${ch}_${i}`] = table ? table[cell < 0 ? d.zero[ch] : d.xv[cell * d.channels + ch]][i] : "·";
    });
  });
  return { values, win: ids };
}

// W's rows, their column labels and x's values (step_data.matrix_data), from the same geometry: row i holds,
// under each input cell its window reads, the kernel weight on it (d.wtext: values or names); padding has no column.
function deriveMatrix(data) {
  const d = data.derive, m = data.matrix;
  if (!m || m.rows) return;
  const w = d.in[1];
  m.rows = [];
  for (let step = 0; step <= data.last; step++) {
    const cols = [], texts = [];
    windowAt(d, step).taps.forEach((cell, i) => { if (cell >= 0) { cols.push(cell); texts.push(d.wtext[i]); } });
    m.rows.push([cols, texts]);
  }
  m.labels = d.xv.map((_, c) => `x${Math.floor(c / w)},${c % w}`);
  m.x = d.xv.map((v) => d.vals[v]);
}

function stepUrl(step) { return step === 0 ? client.data.first : client.data.url.replace("STEP", String(step)); }

// The head's <link id="json-twin"> names the JSON twin of the step on screen (the page URL plus .json),
// also when a step changes with no request (htmx fragments carry their own as an out-of-band swap).
function followTwin(url) {
  const link = document.getElementById("json-twin");
  if (!link) return;
  const u = new URL(url, location.href);
  link.setAttribute("href", `${u.pathname}.json${u.search}`);
}

function configOf(url) {
  const u = new URL(url, location.href);
  const params = [...u.searchParams].filter(([k]) => k !== "step").map(([k, v]) => `${k}=${v}`).sort();
  return `${u.pathname}?${params.join("&")}`;
}

// The step a URL shows when it is this page's configuration, else null.
function sameConfigStep(url) {
  if (configOf(url) !== configOf(stepUrl(1))) return null;
  const step = Number(new URL(url, location.href).searchParams.get("step") || 0);
  return Number.isInteger(step) && step >= 0 && step <= client.data.last ? step : null;
}

// What a field's value does, by its name (app/web/step_data.py): name@attr sets an attribute,
// pad3 / mpad3 / win3 toggle a class, anything else is text.
function kindOf(name) {
  const at = name.indexOf("@");
  if (at >= 0) return "a:" + name.slice(at + 1);
  const cls = /^m?(pad|win)\d+$/.exec(name);
  return cls ? "c:" + cls[1] : "t";
}

// One step's values: embedded pages hold every step, an image page only the one it was sent (data.at).
function valuesAt(step) { return client.data.values[client.data.at === undefined ? step : 0]; }

function field(name, step) {
  const j = client.data.fields.indexOf(name);
  if (j >= 0) return valuesAt(step)[j];
  return client.data.derive && name !== "result" ? derived(step).values[name] ?? null : null;
}

function showStep(step, how = "push") {
  const { data, ws } = client;
  step = Math.max(0, Math.min(data.last, step));
  const values = new Map(data.fields.map((name, j) => [name, valuesAt(step)[j]]));
  if (data.every) { // fields sent once per run of steps (a filter's weights on /volume)
    const run = data.every.values[Math.floor(step / data.every.size)];
    data.every.fields.forEach((name, j) => values.set(name, run[j]));
  }
  const marks = Object.fromEntries(Object.entries(data.marks).map(([name, perStep]) => [name, perStep[step]]));
  if (data.derive) {
    const more = derived(step);
    for (const [name, v] of Object.entries(more.values)) values.set(name, v);
    marks.win = more.win;
  }
  for (const [name, v] of values) {
    const kind = kindOf(name);
    for (const el of client.binds.get(name) || []) {
      if (kind === "t") { el.hidden = v === null; if (v !== null) el.textContent = v; }
      else if (kind.startsWith("a:")) el.setAttribute(kind.slice(2), v);
      else el.classList.toggle(kind.slice(2), Boolean(v));
    }
  }
  for (const [name, ids] of Object.entries(marks)) {
    for (const cell of client.marked[name]) {
      cell.classList.remove(name);
      if (name === "win") cell.removeAttribute("aria-label");
    }
    client.marked[name] = ids.flatMap((id) => client.cells.get(String(id)) || []);
    for (const cell of client.marked[name]) {
      cell.classList.add(name);
      if (name === "win") cell.setAttribute("aria-label", `${cell.textContent.trim()}, in window`); // not only by colour
    }
  }
  for (const cell of client.orders) {
    const order = Number(cell.dataset.order);
    const was = cell.classList.contains("todo");
    cell.classList.toggle("done", order < step);
    cell.classList.toggle("cur", order === step);
    cell.classList.toggle("todo", order > step);
    const holder = cell.querySelector("a, button") || cell;
    if (order > step && !was) holder.replaceChildren(el("span", { class: "blank", "aria-label": "not yet computed" }, "·"));
    else if (order <= step && was) holder.textContent = data[cell.closest("[data-values]")?.dataset.values || "outputs"][order];
  }
  if (data.matrix) drawMatrix(step);
  roveTo(ws, step);
  ws.dataset.step = String(step);
  if (client.pending === step) client.pending = undefined;
  syncControls(client.pending ?? step);
  announce(values.get("status"));
  const url = stepUrl(step);
  followProjectorLink(url);
  followKernelSwitch(step);
  if (how === "push") history.pushState({ convstep: true }, "", url);
  else if (how === "replace") history.replaceState({ convstep: true }, "", url);
  followTwin(url);
  shown(url);
  scheduleNext();
}

// Tells whoever listens (classroom.js publishes the teacher's state) which URL is now on screen.
function shown(url) { document.dispatchEvent(new CustomEvent("convstep:state", { detail: { url } })); }

// P (the projector link sits outside #workspace) keeps the step on screen: its link follows the URL.
function followProjectorLink(url) {
  for (const a of document.querySelectorAll('a[data-key="projector"]')) {
    const u = new URL(url, location.href);
    if (u.searchParams.has("projector")) u.searchParams.delete("projector");
    else u.searchParams.append("projector", "1"); // the canonical order puts projector last
    a.href = u.pathname + u.search;
  }
}

// The projector's kernel quick-switch and the forms' "keep my step" follow the step too: each kernel's link
// keeps the step, clamped to that kernel's last step (data-last), so switching never goes back to step 0.
function switchUrl(template, last, step) {
  const u = new URL(template.replace("STEP", String(Math.min(step, Number(last)))), location.href);
  if (u.searchParams.get("step") === "0") u.searchParams.delete("step"); // canonical links leave step 0 out
  return u.pathname + u.search;
}

function followKernelSwitch(step) {
  for (const e of document.querySelectorAll("[data-switch-url]")) {
    const url = switchUrl(e.dataset.switchUrl, e.dataset.last, step);
    if (e.tagName === "A") e.href = url;
    else e.dataset.href = url;
  }
  for (const input of document.querySelectorAll("input[data-keep-step]")) input.value = String(step);
}

// The step links, scrubber and box follow the step (targets are the page's own step links).
function syncControls(step) {
  const { last, row } = client.data;
  const targets = { first: 0, prev: step - 1, next: step + 1, last, "prev-row": step - row, "next-row": step + row };
  for (const [key, target] of Object.entries(targets)) {
    for (const a of client.ws.querySelectorAll(`a[data-key="${key}"]`)) {
      const off = key === "first" || key.startsWith("prev") ? step === 0 : step === last;
      a.href = stepUrl(Math.max(0, Math.min(last, target)));
      a.classList.toggle("disabled", off);
      if (off) { a.setAttribute("aria-disabled", "true"); a.tabIndex = -1; } // a disabled control leaves the tab order
      else { a.removeAttribute("aria-disabled"); a.removeAttribute("tabindex"); }
    }
  }
  const scrubber = client.ws.querySelector("[data-scrubber]");
  if (scrubber) { scrubber.value = String(step); scrubber.setAttribute("aria-valuetext", `step ${step + 1} of ${last + 1}`); }
  const box = client.ws.querySelector("[data-step-input]");
  if (box) box.value = String(step + 1); // shown 1-based ("Step 1 of 16"); URLs keep step 0-based
}

function el(tag, attrs = {}, text = null) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined && v !== false) e.setAttribute(k, v);
  if (text !== null) e.textContent = text;
  return e;
}

// W around the step (all of W when it is small), laid out from the embedded rows: as the server does
// (w_parts.html). m: numbers mode's every row of W, or an image step's rows on screen (drawStepView).
function drawMatrix(step, m = client.data.matrix) {
  const table = client.ws.querySelector("table[data-w]");
  if (!table) return;
  const n = m.n ?? m.rows.length, nCols = m.cols ?? m.x.length; // image pages send only the rows around the step
  const ids = [];
  for (let r = m.whole ? 0 : Math.max(0, step - m.around); r < (m.whole ? n : Math.min(n, step + m.around + 1)); r++) ids.push(r);
  let cols = [];
  if (m.whole) for (let c = 0; c < nCols; c++) cols.push(c);
  else {
    const keep = new Set();
    for (const r of ids) for (const c of m.rows[r][0]) for (const d of [-1, 0, 1]) if (c + d >= 0 && c + d < nCols) keep.add(c + d);
    for (const c of [...keep].sort((a, b) => a - b)) {
      if (cols.length && cols[cols.length - 1] !== null && c !== cols[cols.length - 1] + 1) cols.push(null);
      cols.push(c);
    }
  }
  const current = new Set(m.rows[step][0]);
  const head = el("tr");
  head.append(el("th", { scope: "col", class: "corner" }, "row"));
  for (const c of cols) head.append(c === null ? el("th", { class: "elided", scope: "col", "aria-label": "zero columns omitted" }, "…")
    : el("th", { scope: "col", class: current.has(c) ? "wcol" : null }, m.labels[c]));
  const body = [];
  const elided = (count, where) => {
    const tr = el("tr", { class: "elided-row" });
    tr.append(el("th", { scope: "row" }, "⋮"), el("td", { colspan: String(cols.length) }, `${count} rows ${where}`));
    return tr;
  };
  if (ids[0] > 0) body.push(elided(ids[0], "above"));
  for (const r of ids) {
    const entries = new Map(m.rows[r][0].map((c, j) => [c, m.rows[r][1][j]]));
    const tr = el("tr", { class: r === step ? "current" : null });
    const th = el("th", { scope: "row" });
    if (r === step) th.append(el("span", { class: "sr-only" }, "current row "));
    th.append(el("a", { href: stepUrl(r) }, String(r)));
    tr.append(th);
    for (const c of cols) {
      if (c === null) tr.append(el("td", { class: "elided" }, "…"));
      else if (!entries.has(c) && !current.has(c)) tr.append(el("td", {}, "0")); // no connection: written bare, as the server does
      else tr.append(el("td", { class: (entries.has(c) ? "nz" : "z") + (current.has(c) ? " wcol" : "") }, entries.get(c) ?? "0"));
    }
    body.push(tr);
  }
  if (ids[ids.length - 1] < n - 1) body.push(elided(n - 1 - ids[ids.length - 1], "below"));
  const foot = el("tr", { class: "x-row" });
  foot.append(el("th", { scope: "row" }, null));
  foot.firstChild.append(el("var", {}, "x"));
  for (const c of cols) foot.append(el("td", { class: c === null ? "elided" : null }, c === null ? "…" : m.x[c]));
  table.replaceChildren(el("thead"), el("tbody"), el("tfoot"));
  table.tHead.append(head);
  table.tBodies[0].append(...body);
  table.tFoot.append(foot);
  table.setAttribute("aria-label", `Rows of W around step ${step}`);
  const wx = client.ws.querySelector("[data-wx]");
  if (wx) {
    const parts = [el("var", {}, "y"), el("sub", {}, String(step)), " = ", el("var", {}, "W"), el("sub", {}, String(step)), "·", el("var", {}, "x"), " = "];
    m.rows[step][0].forEach((c, j) => {
      let w = m.rows[step][1][j];
      const minus = j > 0 && w.startsWith("−");  // "+ −1·19" reads "− 1·19"
      if (minus) w = w.slice(1);
      if (j) parts.push(minus ? " − " : " + ");
      parts.push(el("span", { class: "w" }, w), "·", el("span", { class: "x", title: m.labels[c] }, m.x[c]));
    });
    if (m.bias) parts.push(` + bias ${m.bias}`);
    parts.push(" = ", el("strong", { class: "result" }, m.result ?? field("result", step)));
    wx.replaceChildren(...parts);
    wx.setAttribute("aria-label", `Row ${step} times x`);
  }
}

// An image step's tables come as data (#step-view, app/web/step_view.py; a list of texts as one string split at
// spaces): laid out here into the DOM the server draws on a page load, the magnifier as grid.html's number_grid,
// the products as conv2d_parts.html's (only their values and padding change), W's rows by drawMatrix.
const words = (text) => text.split(" ");

function drawStepView(holder) {
  const view = JSON.parse(holder.getAttribute("data-json"));
  drawMagnifier(view.m);
  drawProducts(view.p);
  const w = view.w, labels = words(w.labels), x = words(w.x);
  const m = { ...w, rows: {}, labels: {}, x: {} };
  w.c.forEach((c, j) => { m.labels[c] = labels[j]; m.x[c] = x[j]; });
  for (const [r, [cols, texts]] of Object.entries(w.rows)) m.rows[r] = [cols, texts === "" ? [] : words(texts)];
  drawMatrix(view.at, m);
}

function drawMagnifier(m) {
  const table = document.getElementById("magnifier");
  if (!table) return;
  const cols = words(m.c), classes = new Map();
  for (const [name, cells] of Object.entries(m.k)) for (const i of cells) classes.set(i, [...(classes.get(i) || []), name]);
  const head = el("tr");
  head.append(el("th", { scope: "col", class: "corner" }));
  head.firstChild.append(el("span", { class: "sr-only" }, "row"));
  for (const c of cols) head.append(el("th", { scope: "col" }, c));
  const rows = words(m.r).map((label, r) => {
    const tr = el("tr");
    tr.append(el("th", { scope: "row" }, label));
    words(m.v[r]).forEach((v, c) => {
      const names = classes.get(r * cols.length + c) || [];
      tr.append(el("td", { class: names.join(" ") || null, "aria-label": names.includes("win") ? `${v}, in window` : null }, v));
    });
    return tr;
  });
  table.replaceChildren(el("thead"), el("tbody"));
  table.tHead.append(head);
  table.tBodies[0].append(...rows);
}

function drawProducts(p) {
  const table = document.getElementById("products");
  if (!table) return;
  const x = words(p.x), products = words(p.p), pad = new Set(p.pad);
  table.querySelectorAll("td").forEach((td, i) => {
    td.querySelector(".x").textContent = x[i];
    td.querySelector(".p").textContent = products[i];
    if (pad.has(i)) td.className = "pad";
    else td.removeAttribute("class");
  });
}

// An image page asks for one step (#step-parts, hx-swap none): the answer's panels are swapped out
// of band. Every press is one history entry (back goes back one step), pushed when it is asked for;
// the step links move on at once, so quick presses go on from the step asked for. An answer for any
// step but the latest asked is stale and never swapped (htmx:beforeSwap below): htmx.ajax may send
// quick presses side by side, so step 4's answer can arrive after step 5's.
function requestStep(step, how = "push") {
  step = Math.max(0, Math.min(client.data.last, step));
  client.pending = step;
  client.latest = step;
  syncControls(step);
  const url = stepUrl(step);
  if (how === "push") history.pushState({ convstep: true }, "", url);
  else if (how === "replace") history.replaceState({ convstep: true }, "", url);
  followProjectorLink(url);
  window.htmx.ajax("GET", url, { source: client.ws, target: "#step-parts", swap: "none" });
}

function stepOf(url) { return Number(new URL(url, location.href).searchParams.get("step") || 0); }

document.addEventListener("htmx:beforeSwap", (event) => {
  if (!client?.remote || event.detail.target?.id !== "step-parts") return;
  if (stepOf(event.detail.requestConfig?.path ?? location.href) !== client.latest) event.detail.shouldSwap = false;
});

// Go to a step of this configuration: in the page, or (image pages with htmx) by asking for its data.
function go(step, how = "push") {
  if (!client.remote) showStep(step, how);
  else if (window.htmx) requestStep(step, how);
  else window.location.href = stepUrl(step);
}

function current() { return client.pending ?? Number(client.ws.dataset.step); }

// The step a click goes to: a grid cell's button (name=step of the page's step form, grid.html) or a link to
// another step of this configuration; null for anything else.
function jumpOf(target) {
  const button = target.closest("button[name=step][form]");
  if (button) return client.ws.contains(button) ? Number(button.value) : null;
  const a = target.closest("a[href]");
  return a && client.ws.contains(a) ? sameConfigStep(a.href) : null;
}

// Links and cells that go to another step of this configuration, and the jump form, stay in the page.
document.addEventListener("click", (event) => {
  if (!client || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
  if (client.remote && !window.htmx) return; // plain links and forms
  const step = jumpOf(event.target);
  if (step === null || !Number.isInteger(step)) return;
  event.preventDefault();
  event.stopPropagation(); // before htmx's boost sees it
  if (step !== current()) go(step, playing() ? "replace" : "push");
}, true);

// A page without embedded steps: a cell's button submits the step form through htmx's boost, which sends
// no value for a button outside its form (form="cells"), so the step rides in the form as a hidden field.
// (Without htmx the browser sends the button's own name=value.)
document.addEventListener("click", (event) => {
  const button = event.target.closest?.("button[name=step][form]");
  if (!button || event.defaultPrevented || !window.htmx || !button.form) return;
  let field = button.form.querySelector("input[data-pressed]");
  if (!field) field = button.form.appendChild(el("input", { type: "hidden", name: "step", "data-pressed": "" }));
  field.value = button.value;
}, true);

document.addEventListener("submit", (event) => {
  if (!client || (client.remote && !window.htmx) || !event.target.matches("form.jump") || !client.ws.contains(event.target)) return;
  event.preventDefault();
  event.stopPropagation();
  const box = event.target.querySelector("[data-step-input]");
  const step = Number(box.value) - 1; // the box is 1-based
  if (Number.isInteger(step)) go(step);
}, true);

// ---------------------------------------------------------------- Apply keeps the step and the view
// The settings form carries the step on screen (keep_step, kept in step by followKernelSwitch); the server
// clamps it to the new last step (min(step, last)), with htmx and without.
let applied = null; // {y, open}: the view before Apply, restored after the swap
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches?.("form#settings")) return;
  const step = client && !client.remote ? current() : Number(document.querySelector("#workspace")?.dataset.step || 0);
  for (const input of form.querySelectorAll("input[data-keep-step]")) input.value = String(step);
  applied = { y: window.scrollY, open: Boolean(form.closest("details.settings-bar")?.open) };
  sessionStorage.setItem(APPLIED_KEY, JSON.stringify(applied)); // without htmx Apply loads a new page
}, true);

// The quick-switch's links go where their href says now (a boosted link would keep the href it had when
// htmx processed it, before the page stepped on).
document.addEventListener("click", (event) => {
  if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
  const a = event.target.closest?.("a[data-switch-url]");
  if (!a || !window.htmx) return;
  event.preventDefault();
  event.stopPropagation();
  visit(a.getAttribute("href"), a);
}, true);

// The projector's kernel menu goes at once to the chosen kernel, on the step on screen.
document.addEventListener("change", (event) => {
  const select = event.target.closest?.("select[data-switch]");
  if (!select) return;
  const option = select.selectedOptions[0];
  const url = option?.dataset.href || (option?.dataset.switchUrl && switchUrl(option.dataset.switchUrl, option.dataset.last, client ? current() : 0));
  if (url) visit(url, select);
});

// After Apply: the same view, and focus on the new output size (not <body>, so Tab goes on from there).
// A state in the URL folds the settings into their one-line bar; after Apply they stay as they were (someone
// trying values goes on trying), so the view does not jump either.
function afterApply({ y, open }) {
  const bar = document.querySelector("details.settings-bar");
  if (bar && open) bar.open = true;
  window.scrollTo(0, y);
  const size = document.querySelector("#workspace .formula");
  if (size) { size.tabIndex = -1; size.focus({ preventScroll: true }); }
}

// classroom.js shows the teacher's state: a step of this configuration moves in the page (no reload).
document.addEventListener("convstep:show", (event) => {
  if (!client || (client.remote && !window.htmx)) return;
  const step = sameConfigStep(event.detail.url);
  if (step === null) return;
  event.preventDefault();
  if (step !== current()) go(step);
});

window.addEventListener("popstate", (event) => {
  if (!client || event.state?.htmx) return; // htmx restores its own entries
  const step = sameConfigStep(location.href);
  if (step !== null) go(step, "none");
  else location.reload();
});

// ---------------------------------------------------------------- keyboard
// The output grid is one Tab stop (roving tabindex): its current cell. Arrow keys move among its cells (they
// do not step while focus is in the grid), Enter presses the focused cell's button: the window moves there.
function gridLinks(table) { return [...table.querySelectorAll("td[data-order] :is(a[href], button)")]; }

function roveTo(ws, step) {
  for (const table of ws.querySelectorAll("table.grid.output")) {
    if (table.contains(document.activeElement)) continue; // someone is moving in it: the tab stop is theirs
    for (const a of gridLinks(table)) a.tabIndex = Number(a.closest("td").dataset.order) === step ? 0 : -1;
  }
}

function moveInGrid(event) {
  const table = event.target.closest?.("table.grid.output");
  if (!table || !event.target.matches("a[href], button")) return false;
  const links = gridLinks(table);
  const width = table.querySelector("tr:has(td)")?.querySelectorAll("td").length || 1;
  const at = links.indexOf(event.target);
  const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: width, ArrowUp: -width, Home: -at, End: links.length - 1 - at };
  if (!(event.key in moves) || event.shiftKey) return false;
  const to = links[Math.max(0, Math.min(links.length - 1, at + moves[event.key]))];
  event.preventDefault();
  for (const a of links) a.tabIndex = a === to ? 0 : -1;
  to.focus();
  return true;
}

document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
  if (moveInGrid(event)) return;
  if (SINGLE.has(event.key) && !singleKeysOn()) return;
  const name = KEYS[(event.shiftKey && event.key.startsWith("Arrow") ? "Shift+" : "") + event.key];
  if (name) {
    const target = control(name);
    if (target) { event.preventDefault(); target.click(); }
  } else if (event.key === " ") {
    if (onControl(event.target)) return; // Space on a button or link activates it
    if (document.querySelector("[data-play]")) { event.preventDefault(); togglePlay(); }
  } else if (event.key === "f" || event.key === "F") {
    toggleFullscreen();
  }
});

function showKeySwitch() {
  const on = singleKeysOn();
  document.documentElement.classList.toggle("no-keys", !on);
  for (const box of document.querySelectorAll("[data-single-keys]")) box.checked = on;
}

// ---------------------------------------------------------------- autoplay
function playing() { return sessionStorage.getItem(PLAY_KEY) === "1"; }

function speed() {
  const select = document.querySelector("[data-speed]");
  if (!select) return 0;
  const kept = sessionStorage.getItem(SPEED_KEY);
  if (kept && [...select.options].some((o) => o.value === kept)) select.value = kept;
  else if (reducedMotion?.matches && select.dataset.reducedMotion) select.value = select.dataset.reducedMotion;
  return Number(select.value);
}

function showPlayState() {
  const button = document.querySelector("[data-play]");
  if (!button) return;
  speed(); // the speed shown: the one chosen this session, else the page's default (slow under reduced motion)
  button.setAttribute("aria-pressed", String(playing()));
  button.textContent = playing() ? "❚❚ Pause" : "▶ Play";
}

// Autoplay keeps time from when it started (a tick is due every `speed` ms after the last one was
// due, not after the last step finished drawing), so "very fast" really reaches its rate.
let due = null;

function scheduleNext(stepped = true) {
  clearTimeout(timer);
  showPlayState();
  if (!playing()) { due = null; return; }
  const next = control("next");
  if (!next) { sessionStorage.removeItem(PLAY_KEY); due = null; showPlayState(); return; }
  const now = performance.now();
  if (due === null) due = now + speed();
  else if (stepped) due = Math.max(now, due + speed()); // never a burst to catch up after a slow step
  timer = setTimeout(() => control("next")?.click(), Math.max(0, due - now));
}

function togglePlay() {
  if (playing()) sessionStorage.removeItem(PLAY_KEY);
  else sessionStorage.setItem(PLAY_KEY, "1");
  due = null;
  scheduleNext(false);
}

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-play]")) togglePlay();
  if (event.target.closest("[data-fullscreen]")) toggleFullscreen();
});

let scrubPushed = false;
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-speed]")) {
    sessionStorage.setItem(SPEED_KEY, event.target.value);
    due = null;
    scheduleNext(false);
  }
  if (event.target.matches("[data-single-keys]")) {
    localStorage.setItem(SINGLE_KEYS, event.target.checked ? "on" : "off");
    showKeySwitch();
  }
  if (event.target.matches("[data-scrubber]")) {
    scrubPushed = false;
    if (client && !client.remote) return; // already shown while dragging
    const number = event.target.form.querySelector("[data-step-input]");
    number.value = String(Number(event.target.value) + 1); // the box is 1-based, the scrubber 0-based like the URL
    event.target.form.requestSubmit();
  }
});

document.addEventListener("input", (event) => {
  if (event.target.matches("[data-scrubber]")) {
    const number = event.target.form.querySelector("[data-step-input]");
    number.value = String(Number(event.target.value) + 1); // the box is 1-based, the scrubber 0-based like the URL
    if (client && !client.remote) { showStep(Number(event.target.value), scrubPushed ? "replace" : "push"); scrubPushed = true; }
  }
  if (event.target.matches("[data-matrix]")) checkMatrix(event.target);
});

function toggleFullscreen() {
  if (document.fullscreenElement) document.exitFullscreen();
  else document.documentElement.requestFullscreen?.();
}

// ---------------------------------------------------------------- click on a picture to jump
document.addEventListener("click", (event) => {
  const svg = event.target.closest("svg[data-click]");
  const workspace = document.querySelector("#workspace");
  if (!svg || !workspace) return;
  const point = new DOMPoint(event.clientX, event.clientY).matrixTransform(svg.getScreenCTM().inverse());
  const d = svg.dataset;
  const outH = Number(d.outH), outW = Number(d.outW);
  let row, col;
  if (d.click === "output") {
    row = Math.floor(point.y + 0.5); col = Math.floor(point.x + 0.5);
  } else { // the window whose centre is nearest the clicked pixel
    row = Math.round((point.y + Number(d.padR) - Number(d.spanR) / 2) / Number(d.strideR));
    col = Math.round((point.x + Number(d.padC) - Number(d.spanC) / 2) / Number(d.strideC));
  }
  row = Math.min(Math.max(row, 0), outH - 1);
  col = Math.min(Math.max(col, 0), outW - 1);
  if (client) go(row * outW + col);
  else visit(workspace.dataset.stepUrl.replace("STEP", String(row * outW + col)), svg);
});

// ---------------------------------------------------------------- validate matrices as you type
function checkMatrix(area) {
  const kind = area.dataset.matrix; // the page's limit (Settings) sits on a container: data-max-grid, data-max-kernel
  const limit = Number(area.closest(`[data-max-${kind}]`)?.getAttribute(`data-max-${kind}`));
  const note = document.getElementById(area.getAttribute("aria-describedby") || "");
  const text = area.value.trim().replace(/;+$/, "");
  let message = "";
  if (text !== "") {
    // data-blocks: several matrices of one shape separated by | (/transpose's kernels, one per channel pair)
    const blocks = "blocks" in area.dataset ? text.split("|").map((b) => b.trim().replace(/;+$/, "")) : [text];
    const shapes = new Set();
    for (const block of blocks) {
      const rows = block.split(";").map((r) => r.split(",").map((v) => v.trim()));
      const widths = new Set(rows.map((r) => r.length));
      if (rows.some((r) => r.some((v) => v === "" || !Number.isFinite(Number(v))))) message = "Only numbers, separated by , and ;";
      else if (widths.size !== 1) message = `Every row needs the same number of values (${[...widths].join(" vs ")})`;
      else if (limit && (rows.length > limit || rows[0].length > limit)) message = `At most ${limit}×${limit}`;
      if (message) break;
      shapes.add(`${rows.length}×${rows[0].length}`);
    }
    if (!message && shapes.size > 1) message = `Every matrix needs one shape (${[...shapes].join(" vs ")})`;
    if (!message && note) { note.textContent = `${blocks.length > 1 ? blocks.length + " × " : ""}${[...shapes][0]} ✓`; note.classList.add("ok"); }
  }
  area.setCustomValidity(message);
  area.classList.toggle("invalid", message !== "");
  if (note && (message || text === "")) { note.textContent = message; note.classList.remove("ok"); }
  if (kind === "kernel" && text !== "") {
    const custom = area.form.querySelector("[data-custom]");
    if (custom) custom.selected = true;
  }
}

// ---------------------------------------------------------------- take it home
// The SVG slide link names the step on screen (client-side stepping moves it without a request);
// "Print this step" opens the print dialog (the print stylesheet keeps one step on one page).
document.addEventListener("click", (event) => {
  const slide = event.target.closest?.("a[data-export-step]");
  const step = document.getElementById("workspace")?.dataset.step;
  if (slide && step !== undefined) {
    const url = new URL(slide.href);
    if (step === "0") url.searchParams.delete("step");
    else url.searchParams.set("step", step);
    slide.href = url.pathname + url.search;
  }
  if (event.target.closest?.("a[data-print]")) { event.preventDefault(); window.print(); }
});

// ---------------------------------------------------------------- links to a closed <details>
// The home page's "upload your own image" links to #pick-image: open the picker it points at.
function openTargetedDetails() {
  const target = location.hash && document.getElementById(location.hash.slice(1));
  if (target?.tagName === "DETAILS") target.open = true;
}
openTargetedDetails();
window.addEventListener("hashchange", openTargetedDetails);

// ---------------------------------------------------------------- drag and drop upload
for (const type of ["dragenter", "dragover"]) {
  document.addEventListener(type, (event) => {
    const zone = event.target.closest?.("[data-dropzone]");
    if (zone) { event.preventDefault(); zone.classList.add("dragging"); }
  });
}
document.addEventListener("dragleave", (event) => event.target.closest?.("[data-dropzone]")?.classList.remove("dragging"));
document.addEventListener("drop", (event) => {
  const zone = event.target.closest?.("[data-dropzone]");
  if (!zone || !event.dataTransfer?.files?.length) return;
  event.preventDefault();
  const input = zone.querySelector("input[type=file]");
  input.files = event.dataTransfer.files;
  zone.submit();
});

// ---------------------------------------------------------------- after each swap
document.addEventListener("htmx:afterSwap", (event) => {
  initClient(); // new step data is usable at once, before settling
  if (event.target.id === "step-view" && client?.remote) drawStepView(event.target); // in the same task as the swap: no stale frame
});
let focusKey = null;
document.addEventListener("htmx:beforeSwap", () => { focusKey = document.activeElement?.dataset?.key || null; });
document.addEventListener("htmx:afterSettle", () => {
  initClient();
  if (client?.remote && client.data.at === client.latest) { // the latest image step asked for is on screen
    client.pending = undefined;
    syncControls(client.data.at);
    followKernelSwitch(client.data.at);
    shown(stepUrl(client.data.at));
  }
  showKeySwitch();
  const ws = document.querySelector("#workspace");
  if (ws && !client) followKernelSwitch(Number(ws.dataset.step || 0)); // a step fetched as a whole fragment
  if (applied) {
    afterApply(applied);
    applied = null;
    sessionStorage.removeItem(APPLIED_KEY);
  } else if (focusKey) control(focusKey)?.focus();
  const status = document.getElementById("status");
  if (status) { announce(status.textContent); if (status.dataset.step) document.querySelector("#workspace")?.setAttribute("data-step", status.dataset.step); }
  scheduleNext(false);
});
initClient();
showKeySwitch();
if (sessionStorage.getItem(APPLIED_KEY) !== null) {
  try { afterApply(JSON.parse(sessionStorage.getItem(APPLIED_KEY))); } catch { /* a value from an older page */ }
  sessionStorage.removeItem(APPLIED_KEY);
}
scheduleNext(false);
