// Asking the server: one request per edit (a newer aborts the older), unchanged runs reused; the
// surface's grid when its function or view changes.

import { ApiError, fetchStart, getSurface, isAbort, streamTrajectory } from "./api.js";
import { formatValue } from "./controls.js";
import { Dataset } from "./data.js";
import { afterPaint, draw3d, drawHeavy, following, scheduleDraw, surfaceId, syncSurfaceInputs } from "./draw.js";
import { showMinimumMark, updateRunStatus } from "./legend.js";
import { renderEquation } from "./math.js";
import { $, app, onStateChange } from "./state.js";
import { clearFieldErrors, setStatus, showFieldErrors, showNotice } from "./status.js";

// A held slider released after an answer of points only: the same configuration, whole.
document.addEventListener("optviz:release", () => {
  if (app.pointsSeq && app.pointsSeq === app.seq) compute();
});

let computeQueued = false;
/** The config was edited: one new request (and surface) for all edits of this task. */
export function configChanged() {
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

/** The last complete answer's traces of runs unchanged in `config` (runs are independent). */
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

// Following the pointer, one request at a time: a move made while an answer of points is on its
// way waits for it (the newest move wins, the ones between are never sent), so the paths are
// redrawn as fast as the server answers. Cancelling at every move would leave a pointer that
// moves faster than the answers come without any redrawn path until it stops.
let waiting = false;

/** Ask for the trajectories of the current config; draw the answer as it streams in. */
export async function compute() {
  if (following() && app.inflight && app.inflight === app.pointsSeq) {
    waiting = true;
    return;
  }
  waiting = false;
  const seq = await request();
  if (waiting && seq === app.seq && !app.inflight) {
    waiting = false;
    compute();
  }
}

/** One request for the current config (a newer one aborts it); its sequence number. */
async function request() {
  if (app.controller) app.controller.abort();
  const controller = new AbortController();
  app.controller = controller;
  app.seq += 1;
  const seq = app.seq;
  const born = performance.now();
  app.inflight = seq;
  const editSeq = app.editSeq;
  const config = structuredClone(app.config);
  const reuse = reusable(config);
  const missing = reuse ? config.runs.map((_, i) => i).filter((i) => !reuse[i]) : null;
  const partial = Boolean(reuse);
  const sent = partial ? { ...config, runs: missing.map((i) => config.runs[i]) } : config;
  // Following the pointer: the points only (a fifth of the bytes); the release asks again.
  const points = following();
  app.pointsSeq = points ? seq : 0;
  let ds = null;
  if (!points) setStatus("status.computing"); // following the pointer: no flicker at each move
  const onStart = (rec) => {
    app.canonical = rec.query || "";
    if (app.maps) app.maps.onConfig(app.canonical);
    clearFieldErrors();
    if (editSeq === app.editSeq) adoptServerConfig(rec.config);
    // Following the pointer, the address waits for the release's whole answer: each write is
    // a history entry updated in the browser's own process, which a drag's next answer would
    // wait for on a busy machine.
    if (!points) onStateChange({ now: true });
  };
  try {
    if (partial && missing.length === 0) {
      ds = new Dataset({ ...app.complete.config, runs: reuse.map((r) => r.config) }, "", seq,
        { reuse: reuse.map((r) => r.trace) });
      ds.sent = config;
    } else {
      await streamTrajectory(sent, {
        signal: controller.signal,
        points,
        digits: app.catalog.limits.page_digits, // the exports ask for exact numbers
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
            ds.born = born;
            ds.pointsOnly = points;
            return;
          }
          if (!ds) return;
          ds.add(rec);
          if (rec.type === "end") updateRunStatus(ds);
          scheduleDraw(ds);
        },
      });
    }
    if (seq !== app.seq) return seq;
    app.inflight = 0;
    if (!ds) return seq;
    ds.done = true;
    if (!ds.pointsOnly) app.complete = ds; // reused runs must carry every series
    scheduleDraw(ds);
    if (ds.runs.length && ds.runs.every((r) => r.n === 0 && r.status === "diverged")) {
      setStatus("status.undefinedStart", "", { x: formatValue(ds.start[0]), y: formatValue(ds.start[1]) });
    } else {
      setStatus("status.ready");
    }
    if (partial && !points) {
      // The whole config's canonical query (POST /api/config: validated, not run); while
      // following the pointer, the release's whole answer brings it. Asked after the frame that
      // draws the paths: its answer (the address, the maps' staleness) would delay that frame.
      afterPaint(() => {
        if (seq !== app.seq) return;
        fetchStart(config, controller.signal).then((rec) => {
          if (rec && seq === app.seq) onStart(rec);
        }).catch((err) => {
          if (isAbort(err) || seq !== app.seq) return;
          if (err instanceof ApiError) showFieldErrors(err.details);
        });
      });
    }
  } catch (err) {
    if (isAbort(err) || seq !== app.seq) return seq;
    app.inflight = 0;
    if (app.dataset) drawHeavy(); // the views skipped while this request ran
    setStatus("status.error");
    if (err instanceof ApiError) {
      clearFieldErrors();
      showFieldErrors(partial ? err.details.map((d) => ({ ...d, field: remapField(d.field, missing) })) : err.details);
    } else {
      showNotice("notice.serverError", [{ field: "", msg: String(err.message || err) }]);
    }
  }
  return seq;
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

/** Fetch and draw the surface's grid when its function, view or scale changed. */
export async function loadSurface() {
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
    const data = await getSurface(surface, { log, signal: controller.signal, resolution: app.catalog.limits.default_grid });
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

/** The drawn surface's formula under the picker, fitted to the sidebar's width: a long one
 * (Goldstein-Price, Gaussian wells) broken into lines (bindSurfaceControls keeps it laid out as
 * the width changes). */
function showSurfaceMath(data) {
  const box = $("surface-math");
  const latex = data.latex || (app.config.surface.name && (app.catalog.surfaces.find((s) => s.name === app.config.surface.name) || {}).latex);
  if (latex) {
    renderEquation(box, "f(x, y)", latex);
  } else {
    box.equation = null;
    box.replaceChildren();
  }
}
