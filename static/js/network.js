// /network's drawing pad. Strokes go onto a 32×32 bitmap; each 4×4 block's inked pixels are
// counted (0–16) into the 8×8 grid, which is how load_digits' images were made from the NIST
// forms (32×32 bitmaps, non-overlapping 4×4 blocks). The counts go into the form's numbers box and
// the form is submitted, so the drawing becomes the page's URL (a link anyone can open); the server
// computes everything. Without JavaScript the pad is hidden and the numbers box and picker remain.

// The sizes come from the canvas (data-bitmap, data-block: the page's, from the data set's recipe).
let N = 0, BLOCK = 1, SIDE = 0, CELL = 1; // bitmap side, block side, grid side, canvas pixels per bitmap pixel
const WAIT = 450; // ms after the last stroke before the drawing is sent (a 4 or a 7 has two strokes)
const PEN = 2.1; // the pen's squared radius in bitmap pixels: strokes about 3 pixels wide
let bitmap = new Uint8Array(0);
let sent = null; // the grid text the bitmap last produced: after the swap the pad still shows those strokes
let timer = null;

function gridText() {
  const rows = [];
  for (let r = 0; r < SIDE; r++) {
    const row = [];
    for (let c = 0; c < SIDE; c++) {
      let n = 0;
      for (let i = 0; i < BLOCK; i++) for (let j = 0; j < BLOCK; j++) n += bitmap[(r * BLOCK + i) * N + c * BLOCK + j];
      row.push(n);
    }
    rows.push(row.join(","));
  }
  return rows.join(";");
}

function paint(canvas, background) {
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (background) { // the input on show, as grey blocks, until the first stroke
    const full = BLOCK * BLOCK, px = BLOCK * CELL;
    for (let r = 0; r < SIDE; r++) for (let c = 0; c < SIDE; c++) {
      const v = background[r]?.[c] ?? 0;
      if (v > 0) { ctx.fillStyle = `rgba(29, 35, 48, ${(v / full) * 0.35})`; ctx.fillRect(c * px, r * px, px, px); }
    }
  }
  ctx.fillStyle = "#1d2330";
  for (let i = 0; i < N * N; i++) if (bitmap[i]) ctx.fillRect((i % N) * CELL, Math.floor(i / N) * CELL, CELL, CELL);
  ctx.strokeStyle = "#c9ced6";
  ctx.lineWidth = 1;
  for (let k = 0; k <= SIDE; k++) {
    const at = k * BLOCK * CELL + 0.5;
    ctx.beginPath(); ctx.moveTo(at, 0); ctx.lineTo(at, canvas.height); ctx.stroke();
    ctx.beginPath(); ctx.moveTo(0, at); ctx.lineTo(canvas.width, at); ctx.stroke();
  }
}

function ink(x, y) { // a round pen
  const reach = Math.ceil(Math.sqrt(PEN));
  for (let i = -reach; i <= reach; i++) for (let j = -reach; j <= reach; j++) {
    const r = Math.floor(y) + i, c = Math.floor(x) + j;
    if (r < 0 || c < 0 || r >= N || c >= N) continue;
    const dy = r + 0.5 - y, dx = c + 0.5 - x;
    if (dx * dx + dy * dy <= PEN) bitmap[r * N + c] = 1;
  }
}

function line(a, b) {
  const steps = Math.max(1, Math.ceil(Math.hypot(b.x - a.x, b.y - a.y) / 0.3)); // a dot every 0.3 bitmap pixels
  for (let s = 0; s <= steps; s++) ink(a.x + ((b.x - a.x) * s) / steps, a.y + ((b.y - a.y) * s) / steps);
}

function parseGrid(text) {
  return text.trim().split(";").map((row) => row.split(",").map(Number));
}

function init() {
  const canvas = document.querySelector("[data-draw]");
  if (!canvas || canvas.dataset.ready) return;
  canvas.dataset.ready = "1";
  const size = Number(canvas.dataset.bitmap), block = Number(canvas.dataset.block);
  if (size !== N || block !== BLOCK) { N = size; BLOCK = block; bitmap = new Uint8Array(N * N); sent = null; }
  SIDE = N / BLOCK;
  CELL = canvas.width / N;
  const form = canvas.closest("form");
  const box = form.querySelector("[data-grid]");
  const mine = sent !== null && box.value.trim() === sent;
  if (!mine) bitmap = new Uint8Array(N * N);
  let fresh = !mine; // the first stroke on a page that shows some other input starts a new drawing
  paint(canvas, mine ? null : parseGrid(box.value));
  let last = null;
  const at = (event) => {
    const rect = canvas.getBoundingClientRect();
    return { x: ((event.clientX - rect.left) / rect.width) * N, y: ((event.clientY - rect.top) / rect.height) * N };
  };
  canvas.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    clearTimeout(timer);
    if (fresh) { bitmap = new Uint8Array(N * N); fresh = false; }
    last = at(event);
    line(last, last);
    paint(canvas, null);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (last === null) return;
    const p = at(event);
    line(last, p);
    last = p;
    paint(canvas, null);
  });
  const end = () => {
    if (last === null) return;
    last = null;
    sent = gridText();
    box.value = sent;
    clearTimeout(timer);
    timer = setTimeout(() => form.requestSubmit(), WAIT);
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  form.querySelector("[data-clear]")?.addEventListener("click", () => {
    clearTimeout(timer);
    bitmap = new Uint8Array(N * N);
    fresh = false;
    sent = gridText();
    box.value = sent;
    paint(canvas, null);
  });
}

document.addEventListener("change", (event) => {
  if (event.target.matches("[data-autosubmit]")) event.target.form.requestSubmit();
});
document.addEventListener("htmx:afterSettle", init);
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();
