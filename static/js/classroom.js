// Follow mode (issue 14): the teacher's tab publishes every state it shows, each student's tab follows it.
// The class lives on the server (app/classes/, the HTTP API in /docs); this tab only remembers its part in
// sessionStorage (per tab, so a second tab is not a second teacher): the teacher's {code, key}, or the
// student's {code, exploring, latest}. Every state is a canonical page URL, so following is just showing
// that URL: a step of the page already on screen moves in the page (stepper.js answers "convstep:show"),
// another page is fetched whole and its <main> swapped in through htmx, with pushState; without htmx the
// browser goes there. Nothing here computes a number.
//
// Teacher: "Start a class" (projector toolbar, key C) → POST /api/classes; the panel shows the code, the QR
// code and the join address, and the follower count (polled). From then on every state is PUT, on every
// page of this tab: stepper.js says "convstep:state" for keys, buttons, the scrubber and autoplay; htmx
// says when it pushes a URL (Apply, boosted links); a page load publishes itself. Bursts coalesce: one
// request in flight, the newest state waiting, 429 waits for Retry-After and then sends the newest.
// Student: /join/{code} (app/web/classroom.py) stores the code; every page of the tab then follows the
// class's event stream (EventSource: `event: state`, data {"url", "seq"}; `reconnecting` when the bus is
// down). E (or the button) breaks away: stepping is local and states are only remembered; E again rejoins
// on the teacher's latest state. Stepping on one's own while following breaks away too.
// End: "End class" DELETEs the class; every student's stream then says `ended` (with the last state) and
// closes, their bar says "The class has ended" with a link to keep that last state on their own, and the
// teacher's tab is back to "Start a class". A class that expired (404) or was ended elsewhere (410) ends so too.

const TEACH = "convstep-class-teach";
const FOLLOW = "convstep-class-follow";
const SINGLE_KEYS = "convstep-single-keys"; // stepper.js's switch for single-character shortcuts
const FOLLOWERS_EVERY = { teacher: 3000, student: 15000 }; // ms between follower counts
const STEP_KEYS = new Set(["ArrowLeft", "ArrowRight", "Home", "End", " ", "k", "K"]); // stepper.js: steps, play, kernel

const $ = (selector) => document.querySelector(selector);
const $$ = (selector) => [...document.querySelectorAll(selector)];

function load(key) {
  try { return JSON.parse(sessionStorage.getItem(key) || "null"); } catch { return null; }
}

function save(key, value) {
  if (value) sessionStorage.setItem(key, JSON.stringify(value));
  else sessionStorage.removeItem(key);
}

function here() { return location.pathname + location.search; }

function typing(target) { return target.closest?.("input, textarea, select, [contenteditable]") != null; }

function setText(selector, text) { for (const el of $$(selector)) el.textContent = text; }

async function detail(response, fallback) {
  try { return (await response.json()).detail || fallback; } catch { return fallback; }
}

function retryAfter(response, fallback) {
  const seconds = Number(response.headers.get("Retry-After"));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : fallback;
}

// What a class shares: the page's URL without projector mode (students hold phones), its spelling kept.
function shared(url) {
  const u = new URL(url, location.href);
  const query = u.search.slice(1).split("&").filter((kv) => kv && !/^projector(=|$)/.test(kv)).join("&");
  return u.pathname + (query ? `?${query}` : "");
}

// Pages of the app, not the API, its docs or the join page itself.
function publishable(url) {
  return !/^\/(join|api|docs|redoc|static|openapi)(\/|$|\.)/.test(new URL(url, location.href).pathname);
}

// ---------------------------------------------------------------- teacher
let teach = load(TEACH); // {code, key, join, hidden}
const pub = { want: null, sent: null, busy: false, notBefore: 0, timer: null };
let followersTimer = null;

function teacherStatus(text) { setText("[data-class-status]", text); }

function publish(url) {
  if (!teach || !publishable(url)) return;
  pub.want = shared(url);
  pump();
}

// One PUT at a time; whatever the teacher showed meanwhile waits in pub.want (last state wins).
async function pump() {
  if (!teach || pub.busy || pub.want === null || pub.want === pub.sent) return;
  const wait = pub.notBefore - Date.now();
  if (wait > 0) {
    clearTimeout(pub.timer);
    pub.timer = setTimeout(pump, wait);
    return;
  }
  pub.busy = true;
  const url = pub.want;
  const { code, key } = teach;
  let retry = 0;
  try {
    const response = await fetch(`/api/classes/${code}/state`, {
      method: "PUT", keepalive: true, // a state sent just before a page is left still arrives
      headers: { "Content-Type": "application/json", "X-Teacher-Key": key },
      body: JSON.stringify({ url }),
    });
    if (response.ok) {
      pub.sent = url;
      teacherStatus("");
    } else if (response.status === 429) {
      retry = retryAfter(response, 1000); // then the newest state goes
    } else if (response.status === 403 || response.status === 404 || response.status === 410) {
      endClass(response.status === 403 ? "This tab's teacher key was refused: start a new class." : gone(response.status));
    } else if (response.status === 422) {
      pub.sent = url; // not a page the class can follow (say, a form's error page): the next state goes as usual
      teacherStatus(`Not shared with the class: ${await detail(response, "not a page students can open")}`);
    } else {
      retry = retryAfter(response, 2000);
      teacherStatus("The class server did not take the last step; trying again…");
    }
  } catch {
    retry = 2000;
    teacherStatus("Cannot reach the server; trying again…");
  }
  pub.busy = false;
  if (retry) pub.notBefore = Date.now() + retry;
  pump();
}

let starting = false; // a double click starts one class

async function startClass() {
  if (teach) { setHidden(false); return; }
  if (starting) return;
  starting = true;
  try {
    let response;
    try {
      response = await fetch("/api/classes", { method: "POST" }); // it starts on "/": this page is published next
    } catch {
      showError("Cannot reach the server to start a class.");
      return;
    }
    if (!response.ok) {
      showError(`No class started: ${await detail(response, `the server answered ${response.status}`)}`);
      return;
    }
    const body = await response.json();
    teach = { code: body.code, key: body.teacher_key, join: body.join_url, hidden: false };
  } finally {
    starting = false;
  }
  save(TEACH, teach);
  pub.sent = null;
  showTeacher();
  publish(location.href);
  pollFollowers();
}

function showError(text) {
  const box = $("[data-class-error]");
  if (!box) return;
  box.textContent = text;
  box.hidden = false;
  setTimeout(() => { box.hidden = true; }, 12000);
}

function setHidden(hidden) {
  if (!teach) return;
  teach.hidden = hidden;
  save(TEACH, teach);
  showTeacher();
  if (!hidden) $("[data-class-hide]")?.focus({ preventScroll: true });
}

function showTeacher() {
  const panel = $("[data-class-panel]");
  for (const button of $$("[data-class-start]")) {
    button.firstChild.textContent = teach ? `Class ${teach.code} ` : "Start a class ";
  }
  if (!panel) return;
  panel.hidden = !teach;
  if (!teach) return;
  panel.classList.toggle("mini", Boolean(teach.hidden));
  setText("[data-class-code]", teach.code);
  const link = $("[data-class-join]");
  if (link) {
    link.href = teach.join;
    link.textContent = teach.join.replace(/^https?:\/\//, "");
  }
  const qr = $("[data-class-qr]");
  const src = `/api/classes/${teach.code}/qr.svg`;
  if (qr && qr.getAttribute("src") !== src) qr.setAttribute("src", src);
}

function showFollowers(count) {
  setText("[data-class-followers]", String(count));
  setText("[data-class-followers-word]", count === 1 ? "student following" : "students following");
  setText("[data-follow-count]", String(count));
}

function gone(status) {
  return status === 410 ? "This class was ended. Start a new one when you need it." :
    "This class has ended (it expired). Start a new one when you need it.";
}

// The follower count, and whether the class still exists (404: it expired; 410: it was ended).
async function pollFollowers() {
  clearTimeout(followersTimer);
  const code = teach?.code || follow?.code;
  if (!code) return;
  try {
    const response = await fetch(`/api/classes/${code}`, { headers: { Accept: "application/json" } });
    if (response.status === 404 || response.status === 410) {
      if (teach) endClass(gone(response.status));
      else classEnded();
      return;
    }
    if (response.ok) {
      const body = await response.json();
      showFollowers(body.followers);
      if (follow && body.url) follow.latest = follow.latest || body.url;
    }
  } catch { /* offline for a moment: the next poll tries again */ }
  followersTimer = setTimeout(pollFollowers, teach ? FOLLOWERS_EVERY.teacher : FOLLOWERS_EVERY.student);
}

let ending = false; // a double click ends it once

// "End class": the class ends on the server (its students are told, and keep the last state if they
// want); if the server cannot be reached, the class goes on and the teacher may press again.
async function endOnServer() {
  if (!teach || ending) return;
  ending = true;
  const { code, key } = teach;
  try {
    let response;
    try {
      response = await fetch(`/api/classes/${code}`, { method: "DELETE", keepalive: true, headers: { "X-Teacher-Key": key } });
    } catch {
      teacherStatus("Cannot reach the server to end the class: press End class again in a moment.");
      return;
    }
    if (response.ok || response.status === 404 || response.status === 410) {
      endClass(`Class ${code} has ended; its students keep the last step.`);
    } else if (response.status === 403) {
      endClass("This tab's teacher key was refused: the class was not yours to end.");
    } else {
      teacherStatus(`The class was not ended: ${await detail(response, `the server answered ${response.status}`)}.` +
        " Press End class again in a moment.");
    }
  } finally {
    ending = false;
  }
}

// This tab stops publishing and is back to "Start a class" (the class itself has ended, or is not ours).
function endClass(message = "") {
  teach = null;
  save(TEACH, null);
  clearTimeout(followersTimer);
  clearTimeout(pub.timer);
  pub.want = pub.sent = null;
  showTeacher();
  if (message) showError(message);
  document.querySelector("[data-class-start]")?.focus({ preventScroll: true });
}

// ---------------------------------------------------------------- student
let follow = load(FOLLOW); // {code, exploring, latest}
let source = null;
let reconnectTimer = null;
let target = null; // the state to show next
let going = false;

function followStatus(text) { setText("[data-follow-status]", text); }

function showFollower() {
  const bar = $("[data-follow-bar]");
  if (!bar) return;
  bar.hidden = !follow;
  document.documentElement.classList.toggle("following", Boolean(follow) && !follow.exploring && !follow.ended);
  if (!follow) return;
  const mode = follow.ended ? "ended" : follow.exploring ? "exploring" : "following";
  bar.dataset.mode = mode;
  setText("[data-follow-code]", follow.code);
  setText("[data-follow-mode]", { following: "Following the teacher", exploring: "Exploring on my own", ended: "The class has ended" }[mode]);
  const toggle = $("[data-follow-toggle]");
  const keep = $("[data-follow-keep]");
  if (keep) {
    keep.hidden = !follow.ended || !follow.latest;
    if (follow.latest) keep.href = follow.latest;
  }
  if (toggle) {
    toggle.hidden = follow.ended;
    const [word, rest] = follow.exploring ? ["Rejoin", " the teacher"] : ["Explore", " on my own"];
    const kbd = document.createElement("kbd");
    kbd.textContent = "E";
    const long = document.createElement("span");
    long.className = "long"; // left out on a phone
    long.textContent = rest;
    toggle.replaceChildren(word, long, " ", kbd);
    toggle.setAttribute("aria-pressed", String(Boolean(follow.exploring)));
  }
}

function connect() {
  clearTimeout(reconnectTimer);
  source?.close();
  if (!follow || follow.ended) return;
  source = new EventSource(`/api/classes/${encodeURIComponent(follow.code)}/events`);
  let counted = false;
  source.addEventListener("state", (event) => {
    let data;
    try { data = JSON.parse(event.data); } catch { return; }
    followStatus("");
    if (!counted) { counted = true; pollFollowers(); } // this stream is counted now: the count includes us
    if (typeof data.followers === "number") showFollowers(data.followers);
    if (typeof data.url !== "string" || !data.url.startsWith("/") || data.url.startsWith("//")) return;
    follow.latest = data.url;
    save(FOLLOW, follow);
    if (!follow.exploring) goTo(data.url);
  });
  source.addEventListener("reconnecting", () => followStatus("Reconnecting…"));
  source.addEventListener("ended", (event) => {
    let data = {};
    try { data = JSON.parse(event.data); } catch { /* ended all the same */ }
    classEnded(typeof data.url === "string" && data.url.startsWith("/") && !data.url.startsWith("//") ? data.url : null);
  });
  source.addEventListener("open", () => followStatus(""));
  source.addEventListener("error", () => {
    followStatus("Reconnecting…");
    // the browser retries by itself unless the server refused the stream (404: gone; 503: full)
    if (source.readyState === EventSource.CLOSED) reconnectTimer = setTimeout(checkAndReconnect, 3000);
  });
}

async function checkAndReconnect() {
  try {
    const response = await fetch(`/api/classes/${encodeURIComponent(follow.code)}`, { headers: { Accept: "application/json" } });
    if (response.status === 404 || response.status === 410) { classEnded(); return; }
  } catch { /* the server is away: try the stream again */ }
  connect();
}

// The class is over: the stream closes, the bar says so and offers the teacher's last state to keep.
function classEnded(last = null) {
  source?.close();
  clearTimeout(followersTimer);
  if (!follow) return;
  follow.ended = true;
  if (last) follow.latest = last;
  save(FOLLOW, follow);
  followStatus("");
  showFollower();
}

// Show the newest state; states that arrive while one is being fetched replace it (last one wins).
async function goTo(url) {
  target = url;
  if (going) return;
  going = true;
  try {
    while (target !== null) {
      const next = target;
      if (next !== here()) await show(next);
      if (target === next) target = null;
    }
  } finally {
    going = false;
  }
}

async function show(url) {
  const asked = new CustomEvent("convstep:show", { detail: { url }, cancelable: true });
  if (!document.dispatchEvent(asked)) return; // a step of the page on screen: stepper.js moved there
  if (!window.htmx) { location.assign(url); return new Promise(() => {}); }
  let response;
  try {
    response = await fetch(url, { headers: { Accept: "text/html" } });
  } catch {
    followStatus("Reconnecting…");
    return;
  }
  const html = await response.text();
  if (target !== url) return; // the teacher has moved on: show that instead
  const doc = new DOMParser().parseFromString(html, "text/html");
  const main = doc.getElementById("main");
  if (!main) { location.assign(url); return new Promise(() => {}); }
  const landed = new URL(response.url);
  history.pushState({ convstep: true }, "", landed.pathname + landed.search);
  document.body.className = doc.body.className;
  const twin = doc.getElementById("json-twin");
  if (twin) {
    const mine = document.getElementById("json-twin");
    if (mine) mine.replaceWith(twin); else document.head.append(twin);
  }
  const nav = doc.querySelector("header.top nav");
  if (nav) document.querySelector("header.top nav")?.replaceWith(nav);
  const modules = [...main.querySelectorAll('script[type="module"][src]')].map((s) => s.getAttribute("src"));
  window.htmx.swap("#main", main.outerHTML, { swapStyle: "outerHTML" }, { title: doc.title });
  for (const src of modules) import(src).catch(() => {}); // loaded once: the page's own enhancements (explorer.js)
  window.scrollTo(0, 0);
}

function breakAway() {
  if (!follow || follow.exploring || follow.ended) return;
  follow.exploring = true;
  save(FOLLOW, follow);
  showFollower();
}

async function rejoin() {
  if (!follow || follow.ended) return;
  follow.exploring = false;
  save(FOLLOW, follow);
  showFollower();
  if (!follow.latest) { // nothing heard yet: ask the class where the teacher is
    try {
      const response = await fetch(`/api/classes/${encodeURIComponent(follow.code)}`);
      if (response.status === 404 || response.status === 410) { classEnded(); return; }
      if (response.ok) follow.latest = (await response.json()).url || null;
    } catch { /* the stream will bring it */ }
  }
  if (follow.latest) goTo(follow.latest);
}

function toggleExplore() {
  if (follow?.exploring) rejoin(); else breakAway();
}

function leave() {
  source?.close();
  clearTimeout(followersTimer);
  follow = null;
  save(FOLLOW, null);
  showFollower();
}

// A student who steps, clicks a control or picks something on the page is exploring on their own.
function steppedByHand(event) {
  if (!follow || follow.exploring || follow.ended || !event.isTrusted) return;
  if (event.type === "keydown") {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target) || !STEP_KEYS.has(event.key)) return;
  } else if (!event.target.closest?.("#main") ||
             !event.target.closest("a[href], button, summary, input, select, textarea, svg[data-click]")) {
    return;
  }
  breakAway();
}

// ---------------------------------------------------------------- wiring
function singleKeysOn() { return localStorage.getItem(SINGLE_KEYS) !== "off"; }

document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target) || !singleKeysOn()) return;
  if (event.key === "c" || event.key === "C") {
    if (teach) setHidden(!teach.hidden);
    else if ($("[data-class-start]")) startClass();
    else return;
    event.preventDefault();
  } else if ((event.key === "e" || event.key === "E") && follow && !follow.ended) {
    event.preventDefault();
    toggleExplore();
  }
});

document.addEventListener("keydown", steppedByHand, true);
document.addEventListener("click", steppedByHand, true);

document.addEventListener("click", (event) => {
  const t = event.target;
  if (t.closest("[data-class-start]")) startClass();
  else if (t.closest("[data-class-hide]")) setHidden(true);
  else if (t.closest("[data-class-show]")) setHidden(false);
  else if (t.closest("[data-class-end]")) endOnServer();
  else if (t.closest("[data-follow-toggle]")) toggleExplore();
  else if (t.closest("[data-follow-leave]")) leave();
  else if (t.closest("[data-follow-keep]")) leave(); // and the link opens the last state, followed by nobody
});

// Every state the teacher's tab shows: stepper.js's steps, htmx's pushed URLs, back/forward.
document.addEventListener("convstep:state", (event) => publish(event.detail.url));
document.addEventListener("htmx:pushedIntoHistory", (event) => publish(event.detail.path));
document.addEventListener("htmx:replacedInHistory", (event) => publish(event.detail.path));
window.addEventListener("popstate", () => setTimeout(() => publish(location.href), 0));

// A new start button (an htmx swap brings the projector toolbar back) says whether a class runs.
document.addEventListener("htmx:afterSettle", () => showTeacher());

// /join/{code} names the class (and the teacher's state it was rendered with): this tab now follows it.
const joined = $("[data-follow-bar][data-code]");
if (joined) {
  follow = { code: joined.dataset.code, exploring: false, latest: joined.dataset.url || null };
  save(FOLLOW, follow);
  if (follow.latest && location.pathname.startsWith("/join/")) history.replaceState({ convstep: true }, "", follow.latest);
}
if (teach) {
  showTeacher();
  publish(location.href);
  pollFollowers();
}
if (follow) {
  showFollower();
  connect();
}
