// Wiring: one app state (the config the server validated + the page-only state), one
// onStateChange() that writes the address bar, one compute() that asks the server, and the views.
//
// Data flows one way: address -> /api/config -> config -> /api/trajectory stream -> views.
// Every edit bumps a sequence number; a newer request aborts the older one, and an answer whose
// sequence number is not the latest is never drawn.

import { Classroom, playOnceWhenReady } from "./classroom.js";
import { ApiError, fetchStart, getCatalog, getConfig, getSurface, isAbort, streamTrajectory } from "./api.js";
import { PALETTE, defaults, formatValue, h, paramControl, paramList } from "./controls.js";
import { Dataset } from "./data.js";
import { initExport } from "./export.js";
import { CATALOG_ZH } from "./catalog_zh.js";
import { applyI18n, getLang, setLang, t, tc } from "./i18n.js";
import { renderMath } from "./math.js";
import { ContourView, LineView, StateView, Surface3DView } from "./plots.js";
import { drawSwatch, runNames } from "./names.js";
import { RunCard } from "./runs.js";
import { TeachPanel } from "./teach.js";
import { MapsPanel } from "./maps.js";
import { HIDEABLE, MAX_RUNS, composeSearch, splitQuery } from "./urlstate.js";
import "./layout.js"; // the drawer and section bar on tablets and phones

const $ = (id) => document.getElementById(id);
const EXPRESSION = "__expression";
const SPEEDS = [10, 30, 60, 120, 250, 500, 1000, 2500, 5000];
const HEAVY_INTERVAL = 150; // ms between line-chart redraws while a stream is still arriving

// Config-level parameters, used only when the catalog does not describe them.
const CONFIG_FALLBACK = [
  { name: "steps", type: "int", default: 300, min: 1, max: 10000, scale: "log", slider_min: 10, slider_max: 10000, step: 1, symbol: "", help: "number of optimizer steps", range: "an integer in [1, 10000]" },
  { name: "noise", type: "float", default: 0, min: 0, max: 1000, scale: "log", slider_min: 0.001, slider_max: 100, symbol: "\\sigma", help: "standard deviation of Gaussian noise added to each gradient component", range: "a number in [0, 1000]" },
  { name: "seed", type: "int", default: 0, min: 0, max: 4294967295, scale: "linear", step: 1, symbol: "", help: "seed of the gradient noise and of the mini-batches", range: "an integer in [0, 4294967295]" },
  { name: "batch_size", type: "int", default: null, min: 1, max: 1000000, scale: "log", slider_min: 1, slider_max: 1024, step: 1, nullable: true, symbol: "B", help: "mini-batch size on data surfaces (null: the whole data set)", range: "an integer in [1, 1000000]" },
];
// Slider hints for config-level parameters whose catalog entry gives none.
const CONFIG_SLIDERS = {
  steps: { scale: "log", slider_min: 10, slider_max: 10000 },
  noise: { scale: "log", slider_min: 0.001, slider_max: 100 },
  batch_size: { scale: "log", slider_min: 1, slider_max: 1024 },
};

const app = {
  catalog: null,
  config: null,
  canonical: "",
  page: null,
  dataset: null,
  complete: null, // the last complete answer (its traces are reused for unchanged runs)
  step: 0,
  playing: false,
  seq: 0,
  editSeq: 0,
  drawnSeq: 0,
  controller: null,
  surfaceController: null,
  surfaceKey: null,
  surface: null,
  cards: [],
  views: {},
  teach: null,
  fieldErrors: [],

  // --- callbacks used by the run cards
  runCount: () => app.config.runs.length,
  colorOf: (i) => (Number.isInteger(app.page.colors[i]) ? app.page.colors[i] : i % PALETTE.length),
  isVisible: (i) => !app.page.off.includes(i),
  get selected() {
    return Math.min(app.page.sel, app.config.runs.length - 1);
  },
  onRunChanged(i, opts) {
    if (opts.structural) renderRunCard(i);
    configChanged();
    if (app.maps) app.maps.refreshMarker();
  },
  setColor(i, k) {
    const colors = app.config.runs.map((_, j) => app.colorOf(j));
    colors[i] = k;
    app.page.colors = colors.every((c, j) => c === j % PALETTE.length) ? [] : colors;
    renderRunCard(i);
    restyle();
    pageChanged();
  },
  setVisible(i, on) {
    const off = new Set(app.page.off);
    if (on) off.delete(i);
    else off.add(i);
    app.page.off = [...off].sort((a, b) => a - b);
    restyle();
    pageChanged();
  },
  select(i) {
    app.page.sel = i;
    updateTeach(true);
    pageChanged();
  },
  duplicateRun(i) {
    if (app.config.runs.length >= MAX_RUNS) return;
    app.config.runs.splice(i + 1, 0, structuredClone(app.config.runs[i]));
    shiftPageRuns(i + 1, +1, app.colorOf(i) === i % PALETTE.length ? null : app.colorOf(i));
    renderRuns();
    configChanged();
  },
  removeRun(i) {
    if (app.config.runs.length <= 1) return;
    app.config.runs.splice(i, 1);
    shiftPageRuns(i, -1);
    renderRuns();
    configChanged();
  },
};

// Keep colours / visibility / selection attached to the same runs when runs are inserted/removed.
function shiftPageRuns(at, delta, newColor = null) {
  const n = app.config.runs.length;
  const oldN = n - delta;
  const colors = Array.from({ length: oldN }, (_, j) => app.colorOf(j));
  const off = new Set(app.page.off);
  if (delta > 0) {
    colors.splice(at, 0, newColor ?? firstFreeColor(colors));
    app.page.off = [...off].map((j) => (j >= at ? j + 1 : j));
    if (app.page.sel >= at) app.page.sel += 1;
  } else {
    colors.splice(at, 1);
    off.delete(at);
    app.page.off = [...off].map((j) => (j > at ? j - 1 : j));
    if (app.page.sel > at || app.page.sel >= n) app.page.sel = Math.max(0, app.page.sel - 1);
  }
  app.page.colors = colors.every((c, j) => c === j % PALETTE.length) ? [] : colors;
}

function firstFreeColor(used) {
  for (let k = 0; k < PALETTE.length; k += 1) if (!used.includes(k)) return k;
  return used.length % PALETTE.length;
}

// ------------------------------------------------------------------ status and notices

let statusKey = "";
let statusVars = {};
function setStatus(key, extra = "", vars = {}) {
  statusKey = key;
  statusVars = vars;
  $("status").textContent = t(key, vars) + (extra ? ` ${extra}` : "");
  document.body.dataset.busy = key === "status.computing" ? "1" : "0";
}

function showNotice(titleKey, items) {
  if (!items.length) return;
  $("notice-title").textContent = t(titleKey);
  const list = $("notice-list");
  list.replaceChildren(...items.map((w) => h("li", {},
    w.field ? h("code", { text: w.field }) : null, w.field ? ": " : "", w.msg)));
  $("notice").hidden = false;
}

function clearFieldErrors() {
  for (const el of app.fieldErrors) {
    el.classList.remove("invalid");
    const err = el.querySelector(":scope > .error, :scope > fieldset > .error, .error");
    if (err && err.dataset.server === "1") {
      err.textContent = "";
      delete err.dataset.server;
    }
  }
  app.fieldErrors = [];
  const fe = $("formula-error");
  if (fe.dataset.server === "1") {
    fe.textContent = "";
    delete fe.dataset.server;
  }
}

/** Put each server error next to its control (longest matching data-field), else in the notice. */
function showFieldErrors(details) {
  const rest = [];
  for (const d of details) {
    let field = d.field || "";
    let el = null;
    while (field && !el) {
      el = document.querySelector(`[data-field="${CSS.escape(field)}"]`);
      if (!el) field = field.replace(/(\.[^.[\]]*|\[\d+\])$/, "") === field ? "" : field.replace(/(\.[^.[\]]*|\[\d+\])$/, "");
    }
    const err = el && (el.querySelector(":scope > .error") || el.querySelector(".error"));
    if (err && el.offsetParent !== null) {
      err.textContent = d.field === field ? d.msg : `${d.field}: ${d.msg}`;
      err.dataset.server = "1";
      el.classList.add("invalid");
      app.fieldErrors.push(el);
    } else {
      rest.push(d);
    }
  }
  if (rest.length) showNotice("notice.serverError", rest);
}

// ------------------------------------------------------------------ address bar

let urlTimer = 0;
function writeURL() {
  urlTimer = 0;
  const maps = app.maps ? app.maps.query() : "";
  const search = composeSearch([app.canonical, maps].filter(Boolean).join("&"), app.page);
  if (search !== window.location.search) {
    window.history.replaceState(null, "", `${window.location.pathname}${search}`);
  }
}

/** The one place the address bar is written from (throttled; replaceState, never push). */
function onStateChange({ now = false } = {}) {
  if (now) {
    clearTimeout(urlTimer);
    writeURL();
    return;
  }
  if (!urlTimer) urlTimer = setTimeout(writeURL, 150);
}

function pageChanged() {
  onStateChange();
}

// ------------------------------------------------------------------ computing

let computeQueued = false;
function configChanged() {
  app.editSeq += 1;
  if (computeQueued) return;
  computeQueued = true;
  // Input events of one task coalesce into one request; the request starts at once.
  queueMicrotask(() => {
    computeQueued = false;
    compute();
    loadSurface();
  });
}

const sharedKey = (cfg) => JSON.stringify({ ...cfg, runs: undefined });
const runKey = (run) => JSON.stringify(run);

/**
 * Complete traces of the last complete answer that can stand for runs of `config`: runs are
 * independent (each is seeded from the config's seed alone), so when only some runs changed only
 * those are computed again.
 */
function reusable(config) {
  const last = app.complete;
  if (!last || !last.sent || sharedKey(last.sent) !== sharedKey(config)) return null;
  const byKey = new Map();
  last.sent.runs.forEach((run, j) => byKey.set(runKey(run), j));
  const reuse = config.runs.map((run) => {
    const j = byKey.get(runKey(run));
    return j === undefined ? null : { trace: last.runs[j], config: last.config.runs[j] };
  });
  return reuse.some(Boolean) ? reuse : null;
}

function remapField(field, index) {
  return field.replace(/^runs\[(\d+)\]/, (m, k) => `runs[${index[Number(k)] ?? k}]`);
}

let inflight = 0; // the sequence number of the request being answered (0: none)

async function compute() {
  if (app.controller) app.controller.abort();
  const controller = new AbortController();
  app.controller = controller;
  app.seq += 1;
  const seq = app.seq;
  inflight = seq;
  const editSeq = app.editSeq;
  const config = structuredClone(app.config);
  const reuse = reusable(config);
  const missing = reuse ? config.runs.map((_, i) => i).filter((i) => !reuse[i]) : null;
  const partial = Boolean(reuse);
  const sent = partial ? { ...config, runs: missing.map((i) => config.runs[i]) } : config;
  let ds = null;
  setStatus("status.computing");
  const onStart = (rec) => {
    app.canonical = rec.query || "";
    if (app.maps) app.maps.onConfig(app.canonical);
    clearFieldErrors();
    if (editSeq === app.editSeq) adoptServerConfig(rec.config);
    onStateChange({ now: !app.dragging }); // while dragging, at most every 150 ms
  };
  try {
    if (partial && missing.length === 0) {
      ds = new Dataset({ ...app.complete.config, runs: reuse.map((r) => r.config) }, "", seq,
        { reuse: reuse.map((r) => r.trace) });
      ds.sent = config;
    } else {
      await streamTrajectory(sent, {
        signal: controller.signal,
        onRecord(rec) {
          if (seq !== app.seq) return;
          if (rec.type === "start") {
            if (partial) {
              const runs = config.runs.map((_, i) => (reuse[i] ? reuse[i].config : null));
              missing.forEach((i, k) => {
                runs[i] = rec.config.runs[k];
              });
              ds = new Dataset({ ...rec.config, runs }, "", seq,
                { reuse: reuse.map((r) => (r ? r.trace : null)), index: missing });
            } else {
              ds = new Dataset(rec.config, rec.query, seq);
              onStart(rec);
            }
            ds.sent = config;
            return;
          }
          if (!ds) return;
          ds.add(rec);
          if (rec.type === "end") updateRunStatus(ds);
          scheduleDraw(ds);
        },
      });
    }
    if (seq !== app.seq) return;
    inflight = 0;
    if (!ds) return;
    ds.done = true;
    app.complete = ds;
    scheduleDraw(ds);
    if (ds.runs.length && ds.runs.every((r) => r.n === 0 && r.status === "diverged")) {
      setStatus("status.undefinedStart", "", { x: formatValue(ds.start[0]), y: formatValue(ds.start[1]) });
    } else {
      setStatus("status.ready");
    }
    if (partial) {
      // The canonical query of the whole config, once the new paths are drawn (POST /api/config:
      // validated, not run).
      fetchStart(config, controller.signal).then((rec) => {
        if (rec && seq === app.seq) onStart(rec);
      }).catch((err) => {
        if (isAbort(err) || seq !== app.seq) return;
        if (err instanceof ApiError) showFieldErrors(err.details);
      });
    }
  } catch (err) {
    if (isAbort(err) || seq !== app.seq) return;
    inflight = 0;
    if (app.dataset) drawHeavy(); // the views skipped while this request ran
    setStatus("status.error");
    if (err instanceof ApiError) {
      clearFieldErrors();
      showFieldErrors(partial ? err.details.map((d) => ({ ...d, field: remapField(d.field, missing) })) : err.details);
    } else {
      showNotice("notice.serverError", [{ field: "", msg: String(err.message || err) }]);
    }
  }
}

// Take from the server's config what it filled in (a new surface's start and view) without
// touching objects the controls edit.
function adoptServerConfig(cfg) {
  const c = app.config;
  if (JSON.stringify(c.start) !== JSON.stringify(cfg.start)) c.start = cfg.start;
  if (cfg.surface && JSON.stringify(c.surface.view) !== JSON.stringify(cfg.surface.view)) {
    c.surface.view = cfg.surface.view;
  }
  if (cfg.surface && cfg.surface.params && !c.surface.params) c.surface.params = cfg.surface.params;
  syncSurfaceInputs();
  loadSurface(); // a formula's (or new surface's) view arrives with the answer: draw that surface
}

function surfaceLog(surface) {
  if (surface.expression !== undefined) return false;
  const spec = app.catalog.surfaces.find((s) => s.name === surface.name);
  return Boolean(spec && spec.log_scale);
}

async function loadSurface() {
  const surface = app.config.surface;
  if (!surface.view) return; // the trajectory answer will bring the default view
  const log = surfaceLog(surface);
  const key = JSON.stringify([surface, log]);
  if (key === app.surfaceKey) return;
  app.surfaceKey = key;
  if (app.surfaceController) app.surfaceController.abort();
  const controller = new AbortController();
  app.surfaceController = controller;
  try {
    const data = await getSurface(surface, { log, signal: controller.signal, resolution: 120 });
    if (app.surfaceKey !== key) return;
    app.surface = data;
    app.views.contour.surfaceId = surfaceId(surface);
    await app.views.contour.setSurface(data, surface.view, JSON.stringify(surface.view));
    app.views.contour.setStart(app.config.start);
    app.views.surface3d.setSurface(data);
    showSurfaceMath(data);
    showMinimumMark();
    if (app.page.view === "3d") draw3d();
  } catch (err) {
    if (isAbort(err) || app.surfaceKey !== key) return;
    app.surfaceKey = null;
    if (err instanceof ApiError) showFieldErrors(err.details);
  }
}

/** Which function a surface config is (its view aside): paths are drawn only over their own. */
function surfaceId(surface) {
  if (!surface) return "";
  return surface.expression !== undefined && surface.expression !== null ? `expr:${surface.expression}` : `name:${surface.name}`;
}

function showSurfaceMath(data) {
  const box = $("surface-math");
  box.replaceChildren();
  const latex = data.latex || (app.config.surface.name && (app.catalog.surfaces.find((s) => s.name === app.config.surface.name) || {}).latex);
  if (latex) box.appendChild(renderMath(`f(x, y) = ${latex}`, { display: true }));
}

// ------------------------------------------------------------------ drawing

let drawQueued = null;
let lastHeavy = 0;
let heavyTimer = 0;

function scheduleDraw(ds) {
  if (drawQueued) {
    drawQueued = ds;
    return;
  }
  drawQueued = ds;
  requestAnimationFrame(() => {
    const d = drawQueued;
    drawQueued = null;
    draw(d);
  });
}

function style() {
  return {
    colors: app.config.runs.map((_, i) => PALETTE[app.colorOf(i)].hex),
    visible: app.config.runs.map((_, i) => app.isVisible(i)),
    names: runNames(app.catalog, app.config.runs),
  };
}

function draw(ds) {
  if (!ds || ds.seq < app.drawnSeq || ds.seq !== app.seq) return; // stale: never over a newer one
  const fresh = app.dataset !== ds;
  app.dataset = ds;
  app.drawnSeq = ds.seq;
  const st = style();
  app.views.contour.dataSurfaceId = surfaceId(ds.config.surface);
  app.views.contour.setData(ds, st);
  renderRunLegends(ds, st);
  $("scrubber").max = String(ds.steps);
  const now = performance.now();
  if (fresh) lastHeavy = now; // a new answer's first blocks: paths only; its curves follow
  // While the start marker is dragged only the paths follow the pointer; the other views catch
  // up at the release.
  const wait = HEAVY_INTERVAL;
  if (app.dragging) {
    // nothing heavy
  } else if (ds.done || now - lastHeavy >= wait) {
    drawHeavy();
  } else if (!heavyTimer) {
    heavyTimer = setTimeout(() => {
      heavyTimer = 0;
      if (app.dataset && !app.dragging) drawHeavy();
    }, wait);
  }
  setStep(app.step, { force: true, fromPlayback: app.dragging }); // the teaching panel at 10 Hz while dragging
  document.dispatchEvent(new CustomEvent("optviz:draw", { detail: { seq: ds.seq, done: ds.done } }));
  if (ds.done) {
    document.body.dataset.drawnSeq = String(ds.seq);
    document.dispatchEvent(new CustomEvent("optviz:drawn", { detail: { seq: ds.seq } }));
  }
}

function drawHeavy() {
  lastHeavy = performance.now();
  scheduleSlow();
}

// After the paths are painted: the lr and loss curves in the next task, then (after one more
// paint) the state view (many traces), the teaching panel and the 3D view.
const afterPaint = (fn) => requestAnimationFrame(() => setTimeout(fn, 0));
let slowQueued = false;
function scheduleSlow() {
  if (slowQueued) return;
  slowQueued = true;
  afterPaint(() => {
    slowQueued = false;
    const ds = app.dataset;
    // A newer answer on its way draws these views when it completes (or fails): none is drawn
    // for an answer already superseded (a slider moved on keeps its paths following it).
    if (!ds || inflight > ds.seq) return;
    const st = style();
    app.views.lr.setData(ds, st, { log: app.page.lrlog }).then(() => {
      $("lr-log").checked = app.views.lr.logUsed;
    });
    app.views.loss.setData(ds, st, { log: app.page.log });
    if (ds.done) {
      document.body.dataset.linesSeq = String(ds.seq);
      document.dispatchEvent(new CustomEvent("optviz:lines", { detail: { seq: ds.seq } }));
    }
    afterPaint(() => {
      if (app.dataset !== ds || inflight > ds.seq) return;
      const st2 = style();
      app.views.state.setData(ds, st2, stateQuantities(ds, st2));
      renderStateChips(ds, st2);
      updateTeach(false);
      if (app.page.view === "3d") draw3d();
      if (ds.done) {
        document.body.dataset.settledSeq = String(ds.seq);
        document.dispatchEvent(new CustomEvent("optviz:settled", { detail: { seq: ds.seq } }));
      }
    });
  });
}

function draw3d() {
  if (!app.surface) return;
  app.views.surface3d.stretch = app.page.stretch;
  app.views.surface3d.setData(app.dataset, style());
  app.views.surface3d.draw(app.step);
}

function restyle() {
  if (!app.dataset) return;
  const st = style();
  app.views.contour.setStyle(st);
  renderRunLegends(app.dataset, st);
  drawHeavy();
}

// ------------------------------------------------------------------ run legends and alerts

/** A legend of the visible runs (name, colour, dash, marker) at the top of each chart's card. */
function renderRunLegends(ds, st) {
  const runs = ds ? ds.runs.map((r, i) => i).filter((i) => st.visible[i]) : [];
  // Only a divergence (and its step) shows: while an answer streams in, the legends stay.
  const key = JSON.stringify([runs, runs.map((i) => [st.names[i], st.colors[i],
    ds.runs[i].status === "diverged" ? ds.runs[i].n : 0])]);
  if (key !== renderRunLegends.key) {
    renderRunLegends.key = key;
    const items = (full) => runs.map((i) => {
      const c = h("canvas", { width: 60, height: 24, class: "legend-mark", "aria-hidden": "true" });
      c.style.width = "30px";
      c.style.height = "12px";
      const ctx = c.getContext("2d");
      ctx.scale(2, 2);
      drawSwatch(ctx, st.colors[i], i);
      const r = ds.runs[i];
      const gone = r.status === "diverged" ? t("run.divergedAt", { n: r.n }) : "";
      // The contour's legend says it in words; the narrower charts' legends mark it with a cross.
      const mark = gone && (full ? ` ✕ ${gone}` : " ✕");
      return h("span", { class: "legend-item run-legend-item", dataset: { run: String(i) } }, c,
        h("span", { class: "run-name", text: st.names[i] }),
        mark ? h("span", { class: "run-gone", text: mark, title: gone }) : null);
    });
    for (const id of ["contour-plot", "lr-plot", "loss-plot", "state-plot"]) {
      const full = id === "contour-plot";
      const card = $(id).closest(".card");
      let box = card.querySelector(":scope > .run-legend");
      if (!box) {
        box = h("div", { class: "legend run-legend", "aria-label": t("section.runs") });
        const after = card.querySelector(":scope > .legend:not(.run-legend)") || card.querySelector(":scope > .card-head");
        after.after(box);
      }
      box.replaceChildren(...items(full));
    }
  }
  renderAlerts(ds, st);
}

/** Words for what went wrong: runs that diverged (name and step), a start where f is undefined. */
function renderAlerts(ds, st) {
  const card = $("contour-plot").closest(".card");
  let box = $("run-alerts");
  if (!box) {
    box = h("div", { id: "run-alerts", class: "run-alerts", role: "status" });
    card.querySelector(":scope > .run-legend").after(box);
  }
  const lines = [];
  if (ds && ds.done && ds.runs.length && ds.runs.every((r) => r.n === 0 && r.status === "diverged")) {
    lines.push(t("status.undefinedStart", { x: formatValue(ds.start[0]), y: formatValue(ds.start[1]) }));
  } else if (ds) {
    ds.runs.forEach((r, i) => {
      if (st.visible[i] && r.status === "diverged") lines.push(t("run.divergedNotice", { name: st.names[i], n: r.n }));
    });
  }
  const key = lines.join("\n");
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  box.replaceChildren(...lines.map((text) => h("p", { text })));
  box.hidden = !lines.length;
}

/** Catalog metadata of every state quantity present in the visible runs, in catalog order. */
function allQuantities(ds, st) {
  // A name's symbol and help come from the first visible run whose optimizer has it (SGD's and
  // RMSprop's momentum_buffer mean different things), else from the first optimizer in the catalog.
  const byName = new Map(app.catalog.optimizers.map((o) => [o.name, o]));
  const meta = new Map();
  ds.runs.forEach((_, i) => {
    const run = ds.config.runs[i];
    if (!st.visible[i] || !run) return;
    for (const name of [run.optimizer, run.inner && run.inner.optimizer]) {
      const o = byName.get(name);
      for (const s of (o && o.state) || []) if (!meta.has(s.name)) meta.set(s.name, s);
    }
  });
  const catalogOrder = [];
  for (const o of app.catalog.optimizers) {
    for (const s of o.state || []) {
      if (!catalogOrder.includes(s.name)) catalogOrder.push(s.name);
      if (!meta.has(s.name)) meta.set(s.name, s);
    }
  }
  // effective_lr (-delta / g, no learning rate: it flips sign and spikes where g crosses zero)
  // stays in the exports only; the state panel shows the step scale instead.
  const names = [];
  ds.runs.forEach((r, i) => {
    if (!st.visible[i]) return;
    for (const n of r.stateOrder) if (!names.includes(n) && n !== "effective_lr") names.push(n);
  });
  const order = ["step_scale", ...catalogOrder]; // the step scale first: every optimizer has one
  names.sort((a, b) => (order.indexOf(a) + 1 || 999) - (order.indexOf(b) + 1 || 999));
  return names.map((n) => {
    const m = meta.get(n);
    if (n === "effective_lr") return { name: n, symbol: "\\Delta\\theta / (-g)", help: t("q.effective_lr"), scalar: false };
    return { name: n, symbol: m ? m.symbol : n, help: m ? tc(m, "help") : n, scalar: Boolean(m && m.scalar),
      log: Boolean(m && m.log) };
  });
}

function stateQuantities(ds, st) {
  return allQuantities(ds, st).filter((q) => !app.page.qoff.includes(q.name));
}

function renderStateChips(ds, st) {
  const box = $("state-chips");
  const qs = allQuantities(ds, st);
  const key = qs.map((q) => q.name).join(",") + getLang() + app.page.qoff.join(",");
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  box.replaceChildren();
  if (!qs.length) {
    // "No state" only when it is true: every shown run's optimizer keeps none (per the catalog).
    const shown = ds.runs.map((_, i) => i).filter((i) => st.visible[i] && ds.config.runs[i]);
    const byName = new Map(app.catalog.optimizers.map((o) => [o.name, o]));
    const stateless = shown.every((i) => [ds.config.runs[i].optimizer, ds.config.runs[i].inner && ds.config.runs[i].inner.optimizer]
      .filter(Boolean).every((n) => !((byName.get(n) || {}).state || []).length));
    const text = !shown.length ? t("plot.noRuns") : stateless ? t("plot.noState") : t("plot.stateLater");
    box.appendChild(h("p", { class: "help", text }));
    return;
  }
  for (const q of qs) {
    const id = `chip-${q.name}`;
    const cb = h("input", { type: "checkbox", id });
    cb.checked = !app.page.qoff.includes(q.name);
    cb.addEventListener("change", () => {
      const off = new Set(app.page.qoff);
      if (cb.checked) off.delete(q.name);
      else off.add(q.name);
      app.page.qoff = [...off];
      box.dataset.key = "";
      if (app.dataset) app.views.state.setData(app.dataset, style(), stateQuantities(app.dataset, style()));
      renderStateChips(app.dataset, style());
      pageChanged();
    });
    const sym = renderMath(q.symbol);
    box.appendChild(h("label", { class: "chip", for: id, title: q.help }, cb, sym,
      h("span", { class: "chip-name", text: q.name })));
  }
}

function updateTeach(force) {
  if (!app.teach || !app.config) return;
  const i = app.selected;
  const run = app.config.runs[i];
  if (force) app.teach.key = null;
  app.teach.setRun(app.catalog, run, i, PALETTE[app.colorOf(i)].hex, getLang());
  if (app.dataset) app.teach.setStep(app.dataset, i, app.step);
}

function updateRunStatus(ds) {
  ds.runs.forEach((r, i) => {
    const card = app.cards[i];
    if (card) card.setStatus(r.status === "diverged" ? ` — ${t("run.diverged", { n: r.n })}` : "");
  });
}

// ------------------------------------------------------------------ the step cursor

let teachTimer = 0;
function setStep(s, { force = false, fromPlayback = false } = {}) {
  const max = app.dataset ? app.dataset.steps : Number($("scrubber").max) || 0;
  const step = Math.max(0, Math.min(Math.round(s), Math.max(max, 0)));
  if (step === app.step && !force) return;
  app.step = step;
  const v = app.views;
  v.contour.setCursor(step);
  v.lr.setCursor(step);
  v.loss.setCursor(step);
  v.state.setCursor(step);
  if (app.page.view === "3d") v.surface3d.setCursor(step);
  const scrub = $("scrubber");
  if (Number(scrub.value) !== step) scrub.value = String(step);
  scrub.setAttribute("aria-valuetext", t("play.stepOf", { t: step, n: max }));
  $("step-readout").textContent = t("play.stepOf", { t: step, n: max });
  if (fromPlayback) {
    // The teaching panel rebuilds DOM: at most ten times a second while playing.
    if (!teachTimer) {
      teachTimer = setTimeout(() => {
        teachTimer = 0;
        updateTeach(false);
      }, 100);
    }
  } else {
    updateTeach(false);
  }
  if (app.page.step !== step) {
    app.page.step = step;
    if (!fromPlayback) pageChanged();
  }
  document.dispatchEvent(new CustomEvent("optviz:step", { detail: { step, fromPlayback } }));
}

// ------------------------------------------------------------------ playback

let lastFrame = 0;
let playPos = 0;

function play() {
  const max = app.dataset ? app.dataset.maxSteps : 0;
  if (!max) return;
  if (app.step >= max) setStep(0);
  app.playing = true;
  playPos = app.step;
  lastFrame = performance.now();
  setPlayButton();
  requestAnimationFrame(tick);
}

function pause() {
  app.playing = false;
  setPlayButton();
  updateTeach(false);
  pageChanged();
}

function tick(now) {
  if (!app.playing) return;
  const dt = Math.min(100, now - lastFrame);
  lastFrame = now;
  playPos += (app.page.speed * dt) / 1000;
  const max = app.dataset ? app.dataset.maxSteps : 0;
  if (playPos >= max) {
    setStep(max, { fromPlayback: true });
    pause();
    return;
  }
  setStep(Math.floor(playPos), { fromPlayback: true });
  requestAnimationFrame(tick);
}

function setPlayButton() {
  const b = $("play-toggle");
  b.textContent = app.playing ? "❚❚" : "▶";
  b.setAttribute("aria-label", t(app.playing ? "play.pause" : "play.play"));
  b.title = t(app.playing ? "play.pause" : "play.play");
  b.setAttribute("aria-pressed", String(app.playing));
}

function togglePlay() {
  if (app.playing) pause();
  else play();
}

function stepBy(d) {
  if (app.playing) pause();
  setStep(app.step + d);
}

// ------------------------------------------------------------------ controls

function renderRunCard(i) {
  const old = app.cards[i];
  const card = new RunCard(app, i, app.config.runs[i]);
  if (old) {
    card.collapsed = old.collapsed;
    card.render();
    old.el.replaceWith(card.el);
  }
  app.cards[i] = card;
  applyHide();
}

function renderRuns() {
  const box = $("runs");
  const collapsed = app.cards.map((c) => c.collapsed);
  app.cards = app.config.runs.map((run, i) => {
    const card = new RunCard(app, i, run);
    if (collapsed[i] && i < collapsed.length) {
      card.collapsed = true;
      card.render();
    }
    return card;
  });
  box.replaceChildren(...app.cards.map((c) => c.el));
  $("add-run").disabled = app.config.runs.length >= MAX_RUNS;
  if (app.maps) app.maps.render();
  if (app.dataset) updateRunStatus(app.dataset);
  applyHide();
}

function newRun() {
  const used = new Set(app.config.runs.map((r) => r.optimizer));
  const spec = app.catalog.optimizers.find((o) => !o.wraps && !used.has(o.name))
    || app.catalog.optimizers.find((o) => !o.wraps);
  return { optimizer: spec.name, params: defaults(spec.params) };
}

function configSpecs() {
  const c = app.catalog;
  const given = c.settings || {};
  return CONFIG_FALLBACK.map((fb) => {
    const s = given[fb.name] || fb;
    const hints = CONFIG_SLIDERS[fb.name];
    const out = { ...fb, ...s };
    if (hints && (s.slider_max === null || s.slider_max === undefined || s.slider_max === s.max)) Object.assign(out, hints);
    return out;
  });
}

function renderTraining() {
  const box = $("training");
  box.replaceChildren();
  const cfg = app.config;
  for (const spec of configSpecs()) {
    if (spec.name === "batch_size") {
      const sf = cfg.surface.name && app.catalog.surfaces.find((s) => s.name === cfg.surface.name);
      if (!sf || sf.kind !== "data") continue;
      const n = (cfg.surface.params && cfg.surface.params.n_samples) || spec.slider_max;
      spec.slider_max = Math.max(2, n);
    }
    const el = paramControl(spec, cfg[spec.name], spec.name, (v) => {
      cfg[spec.name] = v;
      if (spec.name === "steps") $("scrubber").max = String(v);
      configChanged();
    });
    el.dataset.key = spec.name;
    const label = el.querySelector(".pname");
    if (label) label.textContent = t(`${spec.name === "batch_size" ? "batch" : spec.name}.label`);
    if (spec.name === "seed") {
      const btn = h("button", { type: "button", class: "small", text: t("seed.new") });
      btn.addEventListener("click", () => {
        cfg.seed = Math.floor(Math.random() * 2 ** 31);
        renderTraining();
        configChanged();
      });
      el.querySelector(".param-inputs").appendChild(btn);
    }
    box.appendChild(el);
  }
  applyHide();
}

function renderSurfaceControls() {
  const sel = $("surface-select");
  sel.replaceChildren();
  for (const s of app.catalog.surfaces) sel.appendChild(h("option", { value: s.name, text: tc(s, "label") || s.name }));
  sel.appendChild(h("option", { value: EXPRESSION, text: t("surface.custom") }));
  const cfg = app.config;
  const isExpr = cfg.surface.expression !== undefined && cfg.surface.expression !== null;
  sel.value = isExpr ? EXPRESSION : cfg.surface.name;
  $("formula").value = isExpr ? cfg.surface.expression : "";
  const spec = !isExpr && app.catalog.surfaces.find((s) => s.name === cfg.surface.name);
  $("surface-description").textContent = spec ? tc(spec, "description") : "";
  const pbox = $("surface-params");
  pbox.replaceChildren();
  if (spec && spec.params && spec.params.length) {
    if (!cfg.surface.params) cfg.surface.params = defaults(spec.params);
    pbox.appendChild(paramList(spec.params, cfg.surface.params, "surface.params", () => {
      if (spec.kind === "data") renderTraining();
      configChanged();
    }));
  }
  syncSurfaceInputs();
}

function syncSurfaceInputs() {
  const v = app.config.surface.view;
  if (v) {
    ["xmin", "xmax", "ymin", "ymax"].forEach((k, i) => {
      const el = $(`view-${k}`);
      if (document.activeElement !== el) el.value = formatValue(v[i]);
    });
  }
  const s = app.config.start;
  if (s) {
    if (document.activeElement !== $("start-x")) $("start-x").value = formatValue(s[0]);
    if (document.activeElement !== $("start-y")) $("start-y").value = formatValue(s[1]);
  }
  if (app.views.contour) app.views.contour.setStart(s);
}

function setSurfaceByName(name) {
  const spec = app.catalog.surfaces.find((s) => s.name === name);
  if (!spec) return;
  app.config.surface = { name, params: defaults(spec.params), view: [...spec.view] };
  app.config.start = [...spec.start];
  if (spec.kind !== "data") app.config.batch_size = null;
  renderSurfaceControls();
  renderTraining();
  configChanged();
}

let formulaTimer = 0;
function bindSurfaceControls() {
  $("surface-select").addEventListener("change", (ev) => {
    const v = ev.target.value;
    if (v === EXPRESSION) {
      const f = $("formula");
      if (!f.value) f.value = "x**2 + 10*y**2";
      setExpression(f.value.trim(), true);
      f.focus();
    } else {
      setSurfaceByName(v);
    }
  });
  $("formula").addEventListener("input", () => {
    clearTimeout(formulaTimer);
    formulaTimer = setTimeout(() => checkFormula($("formula").value.trim()), 200);
  });
  // Enter or leaving the box commits the formula at once.
  const commit = () => {
    clearTimeout(formulaTimer);
    const text = $("formula").value.trim();
    const sf = app.config.surface;
    if (text && text !== sf.expression) checkFormula(text);
  };
  $("formula").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      commit();
    }
  });
  $("formula").addEventListener("change", commit);
  const readView = () => ["xmin", "xmax", "ymin", "ymax"].map((k) => Number($(`view-${k}`).value));
  for (const k of ["xmin", "xmax", "ymin", "ymax"]) {
    $(`view-${k}`).addEventListener("change", () => {
      const v = readView();
      const err = $("view-error");
      if (!v.every(Number.isFinite) || !(v[0] < v[1] && v[2] < v[3])) {
        err.textContent = "xmin < xmax, ymin < ymax";
        return;
      }
      err.textContent = "";
      app.config.surface.view = v;
      configChanged();
    });
  }
  $("view-reset").addEventListener("click", () => {
    const sf = app.config.surface;
    const spec = sf.name && app.catalog.surfaces.find((s) => s.name === sf.name);
    if (spec) sf.view = [...spec.view];
    else delete sf.view;
    syncSurfaceInputs();
    configChanged();
  });
  for (const k of ["x", "y"]) {
    $(`start-${k}`).addEventListener("change", () => {
      const x = Number($("start-x").value);
      const y = Number($("start-y").value);
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        $("start-error").textContent = "x, y";
        return;
      }
      $("start-error").textContent = "";
      setStart(x, y);
    });
  }
}

// Ask the lenient decoder about the formula first: its parser's message comes back as a warning
// (a 200), so typing a half-finished formula shows the error inline without a failed request.
let formulaCheck = 0;
async function checkFormula(text) {
  if (!text) return;
  const ticket = (formulaCheck += 1);
  let answer;
  try {
    answer = await getConfig(`expr=${encodeURIComponent(text)}`);
  } catch {
    answer = null;
  }
  if (ticket !== formulaCheck) return;
  const problem = answer && (answer.warnings || []).find((w) => w.field === "expr" || w.field === "surface.expression");
  const err = $("formula-error");
  if (problem) {
    err.textContent = problem.msg;
    err.dataset.server = "1";
    $("formula-field").classList.add("invalid");
    return;
  }
  $("formula-field").classList.remove("invalid");
  setExpression(text, false);
}

function setExpression(text, switching) {
  const sf = app.config.surface;
  const wasExpr = sf.expression !== undefined && sf.expression !== null;
  const view = sf.view;
  app.config.surface = { expression: text };
  if (view && (wasExpr || switching)) app.config.surface.view = view;
  if (!wasExpr) {
    delete app.config.start; // the server picks the formula's default start
    app.config.batch_size = null;
  }
  $("surface-select").value = EXPRESSION;
  $("surface-description").textContent = "";
  $("surface-params").replaceChildren();
  $("formula-error").textContent = "";
  renderTraining();
  configChanged();
}

/** The start marker dragged to (x, y): new paths at every move, the address written at the end. */
function onDragStart(x, y, final) {
  app.dragging = !final;
  setStart(x, y);
  if (final) onStateChange();
}

function setStart(x, y) {
  const round = (v) => Number(v.toPrecision(4));
  app.config.start = [round(x), round(y)];
  syncSurfaceInputs();
  configChanged();
}

function onViewChange(view) {
  const cur = app.config.surface.view;
  const round = (v) => Number(v.toPrecision(4));
  const next = view.map(round);
  if (cur && next.every((v, i) => Math.abs(v - cur[i]) <= 1e-9 * Math.max(1, Math.abs(v)))) return;
  app.config.surface.view = next;
  syncSurfaceInputs();
  configChanged();
}

function bindPlayback() {
  const speed = $("speed");
  speed.replaceChildren(...SPEEDS.map((s) => h("option", { value: String(s), text: t("play.stepsPerSecond", { n: s }) })));
  if (!SPEEDS.includes(app.page.speed)) speed.appendChild(h("option", { value: String(app.page.speed), text: t("play.stepsPerSecond", { n: app.page.speed }) }));
  speed.value = String(app.page.speed);
  if (!speed.dataset.bound) {
    speed.dataset.bound = "1";
    speed.addEventListener("change", () => {
      app.page.speed = Number(speed.value);
      pageChanged();
    });
    $("play-toggle").addEventListener("click", togglePlay);
    $("play-back").addEventListener("click", () => stepBy(-1));
    $("play-forward").addEventListener("click", () => stepBy(1));
    $("play-reset").addEventListener("click", () => {
      if (app.playing) pause();
      setStep(0);
    });
    $("scrubber").addEventListener("input", (ev) => {
      if (app.playing) pause();
      setStep(Number(ev.target.value));
    });
    document.addEventListener("keydown", onKey);
  }
  setPlayButton();
}

function onKey(ev) {
  const tag = ev.target && ev.target.tagName;
  if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
  if (["INPUT", "SELECT", "TEXTAREA", "BUTTON", "SUMMARY"].includes(tag) || (ev.target && ev.target.isContentEditable)) return;
  const big = ev.shiftKey ? 10 : 1;
  if (ev.key === " " || ev.code === "Space") {
    ev.preventDefault();
    togglePlay();
  } else if (ev.key === "ArrowRight") {
    ev.preventDefault();
    stepBy(big);
  } else if (ev.key === "ArrowLeft") {
    ev.preventDefault();
    stepBy(-big);
  } else if (ev.key === "Home") {
    ev.preventDefault();
    stepBy(-app.step);
  } else if (ev.key === "End") {
    ev.preventDefault();
    if (app.dataset) stepBy(app.dataset.maxSteps - app.step);
  }
}

function bindViewsControls() {
  const log = $("loss-log");
  log.checked = app.page.log;
  log.addEventListener("change", () => {
    app.page.log = log.checked;
    if (app.dataset) app.views.loss.setData(app.dataset, style(), { log: app.page.log });
    pageChanged();
  });
  const lrLog = $("lr-log");
  lrLog.addEventListener("change", () => {
    app.page.lrlog = lrLog.checked;
    if (app.dataset) app.views.lr.setData(app.dataset, style(), { log: app.page.lrlog });
    pageChanged();
  });
  const stretch = $("stretch");
  stretch.checked = app.page.stretch;
  stretch.addEventListener("change", () => {
    app.page.stretch = stretch.checked;
    app.views.contour.setStretch(app.page.stretch);
    if (app.page.view === "3d") draw3d();
    pageChanged();
  });
  $("mode-2d").addEventListener("click", () => setMode("2d"));
  $("mode-3d").addEventListener("click", () => setMode("3d"));
  $("lang").addEventListener("change", (ev) => {
    app.page.lang = ev.target.value;
    setLang(app.page.lang);
    renderAllText();
    pageChanged();
  });
  $("notice-dismiss").addEventListener("click", () => {
    $("notice").hidden = true;
  });
}

/** What the marks on the contour mean (drawn as small canvases in the marks' own style). */
function renderLegend() {
  const box = $("contour-legend");
  const item = (draw, key) => {
    const c = h("canvas", { width: 56, height: 28, class: "legend-mark", "aria-hidden": "true" });
    c.style.width = "28px";
    c.style.height = "14px";
    const ctx = c.getContext("2d");
    ctx.scale(2, 2);
    draw(ctx);
    return h("span", { class: "legend-item", dataset: { mark: key } }, c, h("span", { text: t(key) }));
  };
  const ink = "#1f2933";
  box.replaceChildren(
    item((ctx) => {
      ctx.strokeStyle = ink;
      ctx.setLineDash([4, 3]);
      ctx.lineWidth = 1.6;
      ctx.beginPath(); ctx.moveTo(2, 7); ctx.lineTo(21, 7); ctx.stroke();
      ctx.setLineDash([]);
      ctx.beginPath(); ctx.moveTo(26, 7); ctx.lineTo(20, 4); ctx.lineTo(20, 10); ctx.fill();
    }, "legend.grad"),
    item((ctx) => {
      ctx.strokeStyle = ink;
      ctx.lineWidth = 2.4;
      ctx.beginPath(); ctx.moveTo(2, 7); ctx.lineTo(20, 7); ctx.stroke();
      ctx.fillStyle = ink;
      ctx.beginPath(); ctx.moveTo(26, 7); ctx.lineTo(19, 3); ctx.lineTo(19, 11); ctx.fill();
    }, "legend.update"),
    item((ctx) => {
      ctx.beginPath(); ctx.arc(14, 7, 5, 0, Math.PI * 2); ctx.fillStyle = "#fff"; ctx.fill();
      ctx.lineWidth = 2; ctx.strokeStyle = ink; ctx.stroke();
      ctx.beginPath(); ctx.arc(14, 7, 1.6, 0, Math.PI * 2); ctx.fillStyle = ink; ctx.fill();
    }, "legend.start"),
    item((ctx) => {
      ctx.beginPath();
      for (let k = 0; k < 10; k += 1) {
        const r = k % 2 ? 2.6 : 6;
        const a = -Math.PI / 2 + (k * Math.PI) / 5;
        ctx.lineTo(14 + r * Math.cos(a), 7 + r * Math.sin(a));
      }
      ctx.closePath(); ctx.fillStyle = "#fff"; ctx.fill(); ctx.strokeStyle = ink; ctx.lineWidth = 1.2; ctx.stroke();
    }, "legend.minimum"),
  );
  showMinimumMark();
}

/** The legend's "minimum" only when the drawn surface marks one. */
function showMinimumMark() {
  const item = document.querySelector('#contour-legend [data-mark="legend.minimum"]');
  const minima = app.surface && (app.surface.minima || []).filter((m) => m.kind !== "saddle");
  if (item) item.hidden = Boolean(app.surface) && !minima.length;
}

function setMode(mode) {
  app.page.view = mode;
  const is3d = mode === "3d";
  $("mode-2d").setAttribute("aria-pressed", String(!is3d));
  $("mode-3d").setAttribute("aria-pressed", String(is3d));
  $("contour-wrap").hidden = is3d;
  $("contour-legend").hidden = is3d; // the glyphs it explains are the 2D view's
  $("surface3d-plot").hidden = !is3d;
  if (is3d) draw3d();
  else if (app.views.contour.ready) window.Plotly.Plots.resize(app.views.contour.gd);
  pageChanged();
}

/** Hide what a classroom link asks to hide (p.hide=noise,seed,runs or hyperparameter names). */
function applyHide() {
  const hide = new Set(app.page.hide);
  for (const el of document.querySelectorAll("[data-key]")) {
    const k = el.dataset.key;
    const hidden = hide.has(k);
    if (hidden) el.setAttribute("data-hidden", "1");
    else el.removeAttribute("data-hidden");
  }
  if (hide.has("3d")) {
    $("mode-3d").hidden = true;
  }
}

function renderAllText() {
  applyI18n();
  if (statusKey) setStatus(statusKey, "", statusVars);
  renderRunLegends.key = null;
  if (app.dataset) renderRunLegends(app.dataset, style());
  renderLegend();
  $("lang").value = getLang();
  renderSurfaceControls();
  renderRuns();
  renderTraining();
  bindPlayback();
  setStep(app.step, { force: true });
  $("state-chips").dataset.key = "";
  if (app.dataset) drawHeavy();
  updateTeach(true);
  if (app.classroom) app.classroom.renderText();
  updateDataView();
  if (app.animation && app.animation.render) app.animation.render();
}

/** The data view of data surfaces, its module loaded the first time one is shown. */
function updateDataView() {
  if (app.dataView && app.dataView.update) {
    app.dataView.update();
    return;
  }
  const surface = app.config && app.catalog && app.catalog.surfaces.find((s) => s.name === app.config.surface.name);
  if (app.dataView || !surface || surface.kind !== "data") return;
  app.dataView = true; // loading
  import("./dataview.js").then(({ DataView }) => {
    app.dataView = new DataView($("data-card"), {
      app,
      runName: (i) => runNames(app.catalog, app.config.runs)[i],
    });
    app.dataView.update();
  });
}

// ------------------------------------------------------------------ start

async function main() {
  // No share / Chart Studio / cloud link on any chart of the page (maps included).
  if (window.Plotly && window.Plotly.setPlotConfig) {
    window.Plotly.setPlotConfig({ showSendToCloud: false, showEditInChartStudio: false, showLink: false,
      plotlyServerURL: "", displaylogo: false });
  }
  // A link with nothing in it opens the first screen: the catalog's race of four optimizers.
  const firstScreen = window.location.search.replace(/^\?/, "") === "";
  let { apiQuery, page, warnings } = splitQuery(window.location.search);
  app.page = page;
  setLang(page.lang);
  applyI18n();
  $("lang").value = getLang();
  setStatus("status.computing");
  const knownHide = new Set(HIDEABLE);
  let catalog;
  let decoded;
  try {
    if (firstScreen) {
      catalog = await getCatalog();
      ({ apiQuery, page, warnings } = splitQuery(`?${catalog.first_screen || ""}`));
      app.page = page;
      decoded = await getConfig(apiQuery);
    } else {
      [catalog, decoded] = await Promise.all([getCatalog(), getConfig(apiQuery)]);
    }
  } catch (err) {
    setStatus("status.error");
    showNotice("notice.serverError", err instanceof ApiError ? err.details : [{ field: "", msg: String(err) }]);
    return;
  }
  app.catalog = catalog;
  addTranslations(catalog);
  app.config = decoded.config;
  app.canonical = decoded.query || "";
  for (const o of catalog.optimizers) for (const p of o.params) knownHide.add(p.name);
  for (const s of catalog.schedules) for (const p of s.params) knownHide.add(p.name);
  const unknownHide = app.page.hide.filter((k) => !knownHide.has(k));
  if (unknownHide.length) {
    warnings.push({ field: "p.hide", msg: `unknown control ${unknownHide.join(", ")}, ignored` });
    app.page.hide = app.page.hide.filter((k) => knownHide.has(k));
  }
  if (app.page.sel >= app.config.runs.length) {
    warnings.push({ field: "p.sel", msg: "no such run, using the default" });
    app.page.sel = 0;
  }
  app.page.colors = app.page.colors.slice(0, app.config.runs.length);
  app.page.off = app.page.off.filter((i) => i < app.config.runs.length);
  showNotice("notice.title", [...(decoded.warnings || []), ...warnings]);

  app.views.contour = new ContourView($("contour-plot"),
    { paths: $("contour-paths"), trail: $("contour-trail"), cursor: $("contour-cursor") },
    { onClickPoint: setStart, onDragStart, onViewChange });
  app.views.contour.stretch = app.page.stretch;
  app.views.surface3d = new Surface3DView($("surface3d-plot"));
  app.views.lr = new LineView($("lr-plot"), $("lr-cursor"), "lr", pickStep);
  app.views.loss = new LineView($("loss-plot"), $("loss-cursor"), "loss", pickStep);
  app.views.state = new StateView($("state-plot"), $("state-cursor"), pickStep);
  app.teach = new TeachPanel($("teach"));
  app.maps = new MapsPanel($("maps"), {
    catalog,
    contour: app.views.contour,
    config: () => app.config,
    canonical: () => app.canonical,
    colorOf: (i) => app.colorOf(i),
    runLabel: (i) => {
      const run = app.config.runs[i];
      const spec = catalog.optimizers.find((o) => o.name === run.optimizer);
      return run.label || (spec ? tc(spec, "label") : run.optimizer);
    },
    setRunParam(i, path, name, value) {
      const run = app.config.runs[i];
      (path === "params" ? run.params : run.inner.params)[name] = value;
    },
    runParamsChanged(i) {
      renderRunCard(i);
      configChanged();
    },
    onQueryChange: () => onStateChange(),
    showErrors: (details) => showFieldErrors(details.filter((d) => !d.field.startsWith("map"))
      .map((d) => ({ ...d, field: d.field.replace(/^config\./, "") }))),
  });
  app.maps.setInitial(window.location.search);

  renderLegend();
  renderSurfaceControls();
  bindSurfaceControls();
  renderRuns();
  $("add-run").addEventListener("click", () => {
    if (app.config.runs.length >= MAX_RUNS) return;
    app.config.runs.push(newRun());
    shiftPageRuns(app.config.runs.length - 1, +1);
    renderRuns();
    configChanged();
  });
  renderTraining();
  bindPlayback();
  bindViewsControls();
  initExport(app, { style });
  // The animation export loads with the Export menu's first opening (its encoders later still).
  $("export-menu").addEventListener("toggle", () => {
    if (app.animation || !$("export-menu").open) return;
    app.animation = true;
    import("./animation.js").then(({ AnimationExport }) => {
      app.animation = new AnimationExport(document.querySelector(".export-panel"), {
        app, setStep, pause,
        colorOf: (i) => PALETTE[app.colorOf(i)].hex,
        runName: (i) => runNames(app.catalog, app.config.runs)[i],
      });
    });
  });
  applyHide();
  app.step = app.page.step;
  if (app.page.view === "3d") setMode("3d");
  updateTeach(true);
  onStateChange({ now: true });
  window.addEventListener("resize", () => {
    if (app.dataset) app.views.contour.redrawAll();
  });
  compute();
  loadSurface();
  updateDataView();
  document.addEventListener("optviz:drawn", updateDataView);
  app.classroom = new Classroom({ app, catalog, pageChanged, writeNow: () => onStateChange({ now: true }) });
  app.classroom.init();
  if (firstScreen) playOnceWhenReady(app, play);
  window.optviz = { app, setStep, play, pause, configChanged };
}

// Chinese text for catalog entries that have none of their own (the catalog's own wins): labels
// and descriptions of optimizers, schedules and surfaces, the help of their parameters (the
// entry's own table, then the shared one by name), state quantities, presets and settings.
function addTranslations(catalog) {
  const merge = (item, zh) => {
    const texts = Object.entries(zh || {}).filter(([, v]) => typeof v === "string");
    if (!item || !texts.length) return;
    item.i18n = item.i18n || {};
    item.i18n.zh = { ...Object.fromEntries(texts), ...(item.i18n.zh || {}) };
  };
  const help = (own, shared, name) => ({ help: (own || {})[name] ?? shared[name] });
  for (const kind of ["optimizers", "schedules", "surfaces"]) {
    for (const item of catalog[kind] || []) {
      const zh = CATALOG_ZH[kind][item.name] || {};
      merge(item, zh);
      for (const p of item.params || []) merge(p, help(zh.params, CATALOG_ZH.params, p.name));
      for (const s of item.state || []) merge(s, help(zh.state, CATALOG_ZH.state, s.name));
      for (const f of item.factors || []) merge(f, help(zh.factors, CATALOG_ZH.factors, f.name));
      for (const p of item.presets || []) merge(p, (zh.presets || {})[p.name]);
    }
  }
  for (const [name, s] of Object.entries(catalog.settings || {})) merge(s, help({}, CATALOG_ZH.settings, name));
}

/** A press or drag on a line chart picks the step (hovering never does). */
function pickStep(s) {
  if (app.playing) pause();
  setStep(s);
}

main();
