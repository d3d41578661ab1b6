// Enhancements for the stepping pages. Everything here is optional: every control is a real
// link or form, so the pages work with no JavaScript and with htmx unreachable.
// Keys: ←/→ step, Shift+←/→ row, Space play/pause, Home/End, P projector, F full screen.

document.documentElement.classList.add("js");

const KEYS = {
  ArrowRight: "next", ArrowLeft: "prev", Home: "first", End: "last",
  "Shift+ArrowRight": "next-row", "Shift+ArrowLeft": "prev-row", p: "projector", P: "projector",
};
const PLAY_KEY = "convstep-play";
const SPEED_KEY = "convstep-speed";
let timer = null;

function control(name) {
  return document.querySelector(`[data-key="${name}"]:not(.disabled)`);
}

function typing(target) {
  return target.closest("input, textarea, select, [contenteditable]") !== null;
}

// Go to a URL the way a link would: through htmx into #workspace when htmx is here.
function visit(url, target = "#workspace") {
  if (window.htmx && document.querySelector(target)) {
    window.htmx.ajax("GET", url, { target, swap: "outerHTML" }).then(() => history.pushState({}, "", url));
  } else {
    window.location.href = url;
  }
}

// ---------------------------------------------------------------- keyboard
document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
  const name = KEYS[(event.shiftKey && event.key.startsWith("Arrow") ? "Shift+" : "") + event.key];
  if (name) {
    const el = control(name);
    if (el) { event.preventDefault(); el.click(); }
  } else if (event.key === " ") {
    if (document.querySelector("[data-play]")) { event.preventDefault(); togglePlay(); }
  } else if (event.key === "f" || event.key === "F") {
    toggleFullscreen();
  }
});

// ---------------------------------------------------------------- autoplay
function playing() { return sessionStorage.getItem(PLAY_KEY) === "1"; }

function showPlayState() {
  const button = document.querySelector("[data-play]");
  if (!button) return;
  button.setAttribute("aria-pressed", String(playing()));
  button.textContent = playing() ? "❚❚ Pause" : "▶ Play";
  const speed = document.querySelector("[data-speed]");
  if (speed && sessionStorage.getItem(SPEED_KEY)) speed.value = sessionStorage.getItem(SPEED_KEY);
}

function scheduleNext() {
  clearTimeout(timer);
  showPlayState();
  if (!playing()) return;
  const next = control("next");
  if (!next) { sessionStorage.removeItem(PLAY_KEY); showPlayState(); return; }
  timer = setTimeout(() => next.click(), Number(sessionStorage.getItem(SPEED_KEY) || 700));
}

function togglePlay() {
  if (playing()) sessionStorage.removeItem(PLAY_KEY);
  else sessionStorage.setItem(PLAY_KEY, "1");
  scheduleNext();
}

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-play]")) togglePlay();
  if (event.target.closest("[data-fullscreen]")) toggleFullscreen();
});

document.addEventListener("change", (event) => {
  if (event.target.matches("[data-speed]")) {
    sessionStorage.setItem(SPEED_KEY, event.target.value);
    scheduleNext();
  }
  if (event.target.matches("[data-scrubber]")) {
    const number = event.target.form.querySelector("[data-step-input]");
    number.value = event.target.value;
    event.target.form.requestSubmit();
  }
});

document.addEventListener("input", (event) => {
  if (event.target.matches("[data-scrubber]")) {
    const number = event.target.form.querySelector("[data-step-input]");
    number.value = event.target.value;
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
  visit(workspace.dataset.stepUrl.replace("STEP", String(row * outW + col)));
});

// ---------------------------------------------------------------- validate matrices as you type
function checkMatrix(area) {
  const kind = area.dataset.matrix;
  const limit = kind === "kernel" ? 7 : 16;
  const note = document.getElementById(area.getAttribute("aria-describedby") || "");
  const text = area.value.trim().replace(/;+$/, "");
  let message = "";
  if (text !== "") {
    const rows = text.split(";").map((r) => r.split(",").map((v) => v.trim()));
    const widths = new Set(rows.map((r) => r.length));
    if (rows.some((r) => r.some((v) => v === "" || !Number.isFinite(Number(v))))) message = "Only numbers, separated by , and ;";
    else if (widths.size !== 1) message = `Every row needs the same number of values (${[...widths].join(" vs ")})`;
    else if (rows.length > limit || rows[0].length > limit) message = `At most ${limit}×${limit}`;
    else message = "";
    if (!message && note) { note.textContent = `${rows.length}×${rows[0].length} ✓`; note.classList.add("ok"); }
  }
  area.setCustomValidity(message);
  area.classList.toggle("invalid", message !== "");
  if (note && (message || text === "")) { note.textContent = message; note.classList.remove("ok"); }
  if (kind === "kernel" && text !== "") {
    const custom = area.form.querySelector("[data-custom]");
    if (custom) custom.selected = true;
  }
}

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
let focusKey = null;
document.addEventListener("htmx:beforeSwap", () => { focusKey = document.activeElement?.dataset?.key || null; });
document.addEventListener("htmx:afterSettle", () => {
  if (focusKey) control(focusKey)?.focus();
  scheduleNext();
});
scheduleNext();
