// What is drawn from the state: an answer's paths, then (after the paint) the other views.
// An answer whose sequence number is not the latest is never drawn.

import { formatValue } from "./controls.js";
import { renderRunLegends, renderStateChips, stateQuantities } from "./legend.js";
import { $, app, style } from "./state.js";
import { setStep, updateTeach } from "./playback.js";

const HEAVY_INTERVAL = 150; // ms between line-chart redraws while a stream is still arriving

/** Which function a surface config is (its view aside): paths are drawn only over their own. */
export function surfaceId(surface) {
  if (!surface) return "";
  return surface.expression !== undefined && surface.expression !== null ? `expr:${surface.expression}` : `name:${surface.name}`;
}

// A small answer's first blocks wait for its rest: one frame of paths, not two.
const PARTIAL_WAIT = 80; // ms after the request started

let drawQueued = null;
let lastHeavy = 0;
let heavyTimer = 0;
let partialTimer = 0;

/** Draw `ds` at the next frame; a partial one PARTIAL_WAIT ms after its request. */
export function scheduleDraw(ds) {
  const wait = ds.done || !app.dataset || !ds.born ? 0 : ds.born + PARTIAL_WAIT - performance.now();
  if (wait > 0) {
    clearTimeout(partialTimer);
    partialTimer = setTimeout(() => {
      partialTimer = 0;
      if (ds.seq === app.seq && !ds.done) scheduleDraw(ds);
    }, wait);
    return;
  }
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

function draw(ds) {
  // Stale: never over a newer one. A complete answer whose successor was asked before this
  // frame is still drawn (while the pointer is followed, the next request starts at once).
  if (!ds || ds.seq < app.drawnSeq || (ds.seq !== app.seq && !ds.done)) return;
  const fresh = app.dataset !== ds;
  app.dataset = ds;
  app.drawnSeq = ds.seq;
  const st = style();
  app.views.contour.dataSurfaceId = surfaceId(ds.config.surface);
  app.views.contour.setData(ds, st);
  // Following the pointer: the contour alone shows this answer, so it alone takes new names.
  const follow = app.dragging || held || ds.pointsOnly;
  renderRunLegends(ds, st, { pathsOnly: follow });
  const scrub = $("scrubber");
  if (scrub.max !== String(ds.steps)) scrub.max = String(ds.steps);
  const now = performance.now();
  if (fresh) lastHeavy = now; // a new answer's first blocks: paths only; its curves follow
  // Dragging the start or holding a slider: the paths only; the rest at the release (an answer
  // of points only has nothing else to draw).
  const wait = HEAVY_INTERVAL;
  if (follow) {
    skipped = held; // drawn at the release
  } else if (ds.done || now - lastHeavy >= wait) {
    drawHeavy();
  } else if (!heavyTimer) {
    heavyTimer = setTimeout(() => {
      heavyTimer = 0;
      if (app.dataset && !following()) drawHeavy();
    }, wait);
  }
  // The teaching panel at 10 Hz while following (not from an answer of points only: it keeps the
  // last whole one), else after the paint.
  setStep(app.step, { force: true, fromPlayback: follow, teach: follow });
  document.dispatchEvent(new CustomEvent("optviz:draw", { detail: { seq: ds.seq, done: ds.done } }));
  if (ds.done) {
    document.body.dataset.drawnSeq = String(ds.seq);
    document.dispatchEvent(new CustomEvent("optviz:drawn", { detail: { seq: ds.seq } }));
  }
}

// A slider held (not the scrubber): paths only; the release draws the rest.
let held = false;
let skipped = false;

/** Whether the page follows the pointer (a start dragged, a slider held): it then asks for the
 * points only and draws the paths only. */
export function following() {
  return Boolean(app.dragging || held);
}

document.addEventListener("pointerdown", (ev) => {
  held = ev.isPrimary && ev.target.matches("input[type=range]:not(#scrubber)");
}, true);
const release = () => {
  if (!held) return;
  held = false;
  // An answer of points only is asked again whole (stream.js); a whole one draws the rest.
  document.dispatchEvent(new CustomEvent("optviz:release"));
  if (skipped && app.dataset && app.dataset.done && !app.inflight) drawHeavy();
  skipped = false;
};
for (const type of ["pointerup", "pointercancel", "change"]) window.addEventListener(type, release, true);
window.addEventListener("blur", (ev) => ev.target === window && release());

/** The other views, after the next paint. */
export function drawHeavy() {
  if (app.dataset && app.dataset.pointsOnly) return; // its whole answer follows
  lastHeavy = performance.now();
  scheduleSlow();
}

/** Run `fn` once the next frame has been rendered. */
export const afterPaint = (fn) => requestAnimationFrame(() => setTimeout(fn, 0));

// After the paint: the lr and loss curves, then (another paint later) the rest.
let slowQueued = false;
function scheduleSlow() {
  if (slowQueued) return;
  slowQueued = true;
  afterPaint(() => {
    slowQueued = false;
    const ds = app.dataset;
    // None for an answer superseded: the newer one draws them when it completes (or fails).
    if (!ds || app.inflight > ds.seq) return;
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
      if (app.dataset !== ds || app.inflight > ds.seq) return;
      const st2 = style();
      updateTeach(false);
      app.views.state.setData(ds, st2, stateQuantities(ds, st2));
      renderStateChips(ds, st2);
      if (app.page.view === "3d") draw3d();
      if (ds.done) {
        document.body.dataset.settledSeq = String(ds.seq);
        document.dispatchEvent(new CustomEvent("optviz:settled", { detail: { seq: ds.seq } }));
      }
    });
  });
}

/** The 3D view of the surface with the drawn paths, at the current step. */
export function draw3d() {
  if (!app.surface) return;
  app.views.surface3d.stretch = app.page.stretch;
  app.views.surface3d.setData(app.dataset, style());
  app.views.surface3d.draw(app.step);
}

/** The same data in a new style (colours, visibility). */
export function restyle() {
  if (!app.dataset) return;
  const st = style();
  app.views.contour.setStyle(st);
  renderRunLegends(app.dataset, st);
  drawHeavy();
}

/** A box shows `text` (not while it is being typed in; unchanged text is not written again). */
function writeInput(el, text) {
  if (document.activeElement !== el && el.value !== text) el.value = text;
}

/** The view box and start in their inputs (unless being typed in) and on the contour. */
export function syncSurfaceInputs() {
  const v = app.config.surface.view;
  if (v) {
    ["xmin", "xmax", "ymin", "ymax"].forEach((k, i) => writeInput($(`view-${k}`), formatValue(v[i])));
  }
  const s = app.config.start;
  if (s) {
    writeInput($("start-x"), formatValue(s[0]));
    writeInput($("start-y"), formatValue(s[1]));
  }
  if (app.views.contour) app.views.contour.setStart(s);
}
