// The views. Plotly draws what changes only with the data (surface, lines); everything that
// follows the step cursor (current points, arrows, cursor lines) and the paths on the contour are
// drawn on canvases laid over Plotly's plot area, in the plot's own pixel coordinates. A cursor
// move therefore costs a few canvas strokes, never a Plotly call, which keeps playback smooth with
// 8 runs x 10 000 steps. Plotly.react runs only when data arrives.

import { decimate } from "./data.js";

// Decimated lines are cached on the run's trace, so a run that did not change keeps the very
// same arrays and Plotly.react finds nothing to recompute for it.
function line(trace, key, values) {
  const cache = trace.lines || (trace.lines = new Map());
  const hit = cache.get(key);
  if (hit && hit.n === trace.n) return hit.line;
  const out = decimate(values, trace.n);
  cache.set(key, { n: trace.n, line: out });
  return out;
}
import { latexToText } from "./math.js";
import { t } from "./i18n.js";
import { SURFACE_MARKS, drawSymbol, escapePlotly, runMarks } from "./names.js";
import { markCompanions, strokeCompanions } from "./companions.js";
import { lrScalarAxis, lrScalarSeries } from "./lrscalars.js";
import { logAxisTicks } from "./ticks.js";

const Plotly = () => window.Plotly;
const FONT = { family: "system-ui, -apple-system, 'Segoe UI', 'Noto Sans SC', sans-serif", size: 12, color: "#1f2933" };
// An offline classroom tool: no logo, no "share" / Chart Studio / cloud link, and per chart only
// the toolbar buttons that make sense there (images come from the Export menu).
const BASE_CONFIG = {
  displaylogo: false,
  responsive: true,
  scrollZoom: false,
  showSendToCloud: false,
  showEditInChartStudio: false,
  showLink: false,
  sendData: false,
  plotlyServerURL: "",
  showTips: false,
};
export const PLOT_CONFIG = { ...BASE_CONFIG, modeBarButtons: [["pan2d", "zoom2d", "zoomIn2d", "zoomOut2d", "resetScale2d"]] };
const LINE_CONFIG = { ...BASE_CONFIG, modeBarButtons: [["zoom2d", "zoomIn2d", "zoomOut2d", "resetScale2d"]] };
const SCENE_CONFIG = { ...BASE_CONFIG, modeBarButtons: [["orbitRotation", "tableRotation", "zoom3d", "pan3d", "resetCameraDefault3d"]] };
// A light, colour-blind-safe sequential scale so the run colours stay readable on top of it.
const SURFACE_SCALE = [
  [0, "#f7fbff"], [0.25, "#d9e6f2"], [0.5, "#b3c6da"], [0.75, "#8aa1ba"], [1, "#5f7390"],
];
// Axes of the traces drawn over the contour when a basin map is shown (see composedTraces).
export const OVERLAY_AXES = { xaxis: "x2", yaxis: "y2" };

// ------------------------------------------------------------------ pixel geometry

/** Data value -> pixel (in the graph div) on a Plotly axis (linear or log). */
export function axisToPx(ax, v, vertical) {
  const r = ax.range;
  const l = ax.type === "log" ? Math.log10(v) : v;
  const f = (l - r[0]) / (r[1] - r[0]);
  return ax._offset + (vertical ? 1 - f : f) * ax._length;
}

/** Pixel (in the graph div) -> data value on a Plotly axis. */
export function pxToAxis(ax, px, vertical) {
  const r = ax.range;
  let f = (px - ax._offset) / ax._length;
  if (vertical) f = 1 - f;
  const l = r[0] + f * (r[1] - r[0]);
  return ax.type === "log" ? 10 ** l : l;
}

function axes(gd, x = "xaxis", y = "yaxis") {
  const fl = gd && gd._fullLayout;
  if (!fl || !fl[x] || !fl[y] || !fl[x]._length) return null;
  return { xa: fl[x], ya: fl[y] };
}

/**
 * The size Plotly drew the graph at (its own layout's, so reading it forces no layout of the
 * page); the div's size before the first plot.
 */
function plotSize(gd) {
  const fl = gd._fullLayout;
  if (fl && fl.width > 0 && fl.height > 0) return [fl.width, fl.height];
  return [gd.clientWidth, gd.clientHeight];
}

/** Size a canvas to its graph (device pixels) and return a cleared, scaled context. */
function prepare(canvas, gd) {
  const dpr = window.devicePixelRatio || 1;
  const [w, hgt] = plotSize(gd);
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(hgt * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(hgt * dpr);
    canvas.style.width = `${w}px`;
    canvas.style.height = `${hgt}px`;
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, hgt);
  return ctx;
}

function clipTo(ctx, xa, ya) {
  ctx.beginPath();
  ctx.rect(xa._offset, ya._offset, xa._length, ya._length);
  ctx.clip();
}

const CLAMP = 1e5;
const cl = (v) => (v > CLAMP ? CLAMP : v < -CLAMP ? -CLAMP : v);

/** Line and marker scale of the contour's overlays: doubled in presentation mode (projector). */
function thick() {
  return document.body.classList.contains("present") ? 2 : 1;
}

function arrow(ctx, x0, y0, x1, y1, color, { width = 2, dash = null, head = 8 } = {}) {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len = Math.hypot(dx, dy);
  if (!(len > 0.5)) return;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = width;
  if (dash) ctx.setLineDash(dash);
  ctx.beginPath();
  ctx.moveTo(cl(x0), cl(y0));
  ctx.lineTo(cl(x1), cl(y1));
  ctx.stroke();
  ctx.setLineDash([]);
  const hl = Math.min(head, len * 0.6);
  const ux = dx / len;
  const uy = dy / len;
  ctx.beginPath();
  ctx.moveTo(cl(x1), cl(y1));
  ctx.lineTo(cl(x1 - ux * hl - uy * hl * 0.5), cl(y1 - uy * hl + ux * hl * 0.5));
  ctx.lineTo(cl(x1 - ux * hl + uy * hl * 0.5), cl(y1 - uy * hl - ux * hl * 0.5));
  ctx.closePath();
  ctx.fill();
  ctx.restore();
}

function marker(ctx, x, y, color, r = 5) {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, Math.PI * 2);
  ctx.fillStyle = color;
  ctx.fill();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = "#ffffff";
  ctx.stroke();
}

// ------------------------------------------------------------------ surface values

/** A number to 4 significant digits, x10^k written as Plotly reads it (for hover labels). */
export function fmt4(v) {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(4)));
  const [m, e] = v.toExponential(3).split("e");
  return `${Number(m)}×10<sup>${Number(e)}</sup>`;
}

/** f at a point of a surface grid's z (the grid holds log10(f - fmin + delta) when log). */
export function surfaceF(surface) {
  if (!surface.log || !Number.isFinite(surface.fmin)) return (z) => z;
  const delta = Number.isFinite(surface.log_delta) ? surface.log_delta : 1e-12;
  return (z) => 10 ** z + surface.fmin - delta;
}

const MARK_INK = "#1f2933";
const MARK_HOVER = "%{text}<br>x = %{x:.4g}, y = %{y:.4g}<extra></extra>";

/** A surface mark's hover: what it is and its value ("global minimum: f = -78.33"). */
function markText(m) {
  const what = t(SURFACE_MARKS[m.kind] || "legend.minimum");
  return Number.isFinite(m.value) ? `${what}: f = ${fmt4(m.value)}` : what;
}

/** A minimum's fill: a global one filled, a local one hollow (white). */
const markFill = (m) => (m.kind === "global" ? MARK_INK : "#ffffff");

/** The value of f under every grid point, as hover text. */
function hoverText(surface) {
  const f = surfaceF(surface);
  return surface.z.map((row) => row.map((z) => (z === null || !Number.isFinite(z) ? "undefined" : fmt4(f(z)))));
}

/** Tick values and labels of f on a log10 axis (ticks at whole powers, labelled as f). */
export function logTicks(surface) {
  if (!surface.log || !Number.isFinite(surface.zmin) || !Number.isFinite(surface.zmax)) return {};
  const lo = Math.ceil(surface.zmin);
  const hi = Math.floor(surface.zmax);
  if (hi < lo) return {};
  const every = Math.max(1, Math.ceil((hi - lo + 1) / 7));
  const f = surfaceF(surface);
  const tickvals = [];
  const ticktext = [];
  for (let k = hi; k >= lo; k -= every) {
    tickvals.unshift(k);
    const small = Math.abs(surface.fmin) <= 1e-3 * 10 ** k;
    ticktext.unshift(small ? `10<sup>${k}</sup>` : fmt4(f(k)));
  }
  return { tickmode: "array", tickvals, ticktext };
}

/** z of the surface grid at (x, y), bilinear between grid points (NaN outside the grid). */
export function gridZ(surface, x, y) {
  const xs = surface.x;
  const ys = surface.y;
  const fx = ((x - xs[0]) / (xs[xs.length - 1] - xs[0])) * (xs.length - 1);
  const fy = ((y - ys[0]) / (ys[ys.length - 1] - ys[0])) * (ys.length - 1);
  if (!(fx >= 0 && fy >= 0 && fx <= xs.length - 1 && fy <= ys.length - 1)) return NaN;
  const i = Math.min(Math.floor(fx), xs.length - 2);
  const j = Math.min(Math.floor(fy), ys.length - 2);
  const u = fx - i;
  const w = fy - j;
  const z = surface.z;
  const at = (a, b) => (z[b][a] === null ? NaN : z[b][a]);
  return (1 - w) * ((1 - u) * at(i, j) + u * at(i + 1, j)) + w * ((1 - u) * at(i, j + 1) + u * at(i + 1, j + 1));
}

// ------------------------------------------------------------------ contour view

/** Indices of the dataset's runs that the user has not hidden (shared by every view). */
function visibleRunIndices(dataset, style) {
  if (!dataset) return [];
  return dataset.runs.map((r, i) => i).filter((i) => style.visible[i] !== false);
}

export class ContourView {
  constructor(gd, canvases, handlers) {
    this.gd = gd;
    this.pathsCanvas = canvases.paths;
    this.trailCanvas = canvases.trail;
    this.cursorCanvas = canvases.cursor;
    this.handlers = handlers; // {onClickPoint(x, y), onDragStart(x, y, final), onViewChange(view)}
    this.dataset = null;
    this.style = { colors: [], visible: [] };
    this.step = 0;
    this.trailStep = -1;
    this.start = null;
    this.ready = false;
    this.surfaceKey = null;
    this.bindPointer();
  }

  async setSurface(surface, view, key) {
    const minima = surface.minima || [];
    const glob = minima.filter((m) => m.kind !== "saddle");
    const saddles = minima.filter((m) => m.kind === "saddle");
    const ticks = logTicks(surface);
    const traces = [
      {
        type: "contour", x: surface.x, y: surface.y, z: surface.z, colorscale: SURFACE_SCALE,
        ncontours: 28, contours: { coloring: "fill", showlines: true },
        line: { color: "rgba(60,72,88,0.35)", width: 0.6 }, connectgaps: false,
        text: hoverText(surface), hovertemplate: "x = %{x:.4g}<br>y = %{y:.4g}<br>f = %{text}<extra></extra>",
        colorbar: { thickness: 10, len: 0.9, outlinewidth: 0, tickfont: { size: 10 },
          title: { text: "f", side: "right", font: { size: 11 } }, ...ticks },
      },
      {
        // A global minimum is a filled star, a local one a hollow star; hover names it.
        type: "scatter", mode: "markers", x: glob.map((m) => m.x), y: glob.map((m) => m.y),
        name: t("legend.minimum"), showlegend: false, text: glob.map(markText),
        hovertemplate: MARK_HOVER,
        marker: { symbol: "star", size: 13, color: glob.map(markFill),
          line: { color: MARK_INK, width: 1.2 } },
      },
      {
        type: "scatter", mode: "markers", x: saddles.map((m) => m.x), y: saddles.map((m) => m.y),
        name: t("legend.saddle"), showlegend: false, text: saddles.map(markText), hovertemplate: MARK_HOVER,
        marker: { symbol: "x-thin-open", size: 12, color: MARK_INK, line: { width: 2 } },
      },
    ];
    const layout = {
      font: FONT, margin: { l: 44, r: 8, t: 8, b: 36 }, paper_bgcolor: "#ffffff",
      plot_bgcolor: "#ffffff", dragmode: "pan", hovermode: "closest", showlegend: false,
      hoverlabel: { bgcolor: "#ffffff", font: { size: 12 } },
      xaxis: { range: [view[0], view[1]], title: { text: "x", standoff: 4 }, zeroline: false, autorange: false },
      yaxis: { range: [view[2], view[3]], title: { text: "y", standoff: 4 }, zeroline: false, autorange: false },
      uirevision: key,
    };
    this.surfaceKey = key;
    this.baseTraces = traces;
    this.layout = layout;
    await this.react();
    if (!this.ready) {
      this.ready = true;
      this.gd.on("plotly_afterplot", () => this.redrawAll());
      this.gd.on("plotly_relayout", (ev) => this.onRelayout(ev));
      this.gd.on("plotly_relayouting", () => this.redrawAll());
    }
    this.redrawAll();
  }

  /** Equal scales (one unit of x as long as one of y, the whole view box shown) unless stretched. */
  setStretch(stretch) {
    this.stretch = Boolean(stretch);
    if (this.layout) this.react();
  }

  /** The surface's traces with the overlay (a basin map) between the contour and the minima.
   * Plotly draws a subplot's heatmaps beneath its contours whatever the trace order, so the
   * overlay and the markers above it go on a second pair of axes laid over the first
   * (OVERLAY_AXES; drawn after the first pair, hence on top). */
  composedTraces() {
    const base = this.baseTraces || [];
    if (!this.overlay) return base;
    const over = (tr) => ({ ...tr, ...OVERLAY_AXES });
    return [base[0], over(this.overlay), ...base.slice(1).map(over)];
  }

  /** Draw the traces and layout, then keep an overlay's axes on the contour's ranges (a react
   * fires no relayout event to sync them on). */
  async react() {
    await Plotly().react(this.gd, this.composedTraces(), this.composedLayout(), PLOT_CONFIG);
    if (this.overlay) this.syncOverlayAxes();
  }

  /** The layout, with the overlaid axes (hidden, following the first pair) when needed. */
  composedLayout() {
    if (!this.layout) return this.layout;
    const layout = { ...this.layout };
    if (!this.stretch) {
      layout.xaxis = { ...layout.xaxis, constrain: "domain" };
      layout.yaxis = { ...layout.yaxis, scaleanchor: "x", scaleratio: 1, constrain: "domain" };
    }
    if (!this.overlay) return layout;
    // The overlay's axes take the contour's ranges (its current ones, a user's zoom kept across
    // a react of the same uirevision) and, unless stretched, the same equal-scale constraint, so
    // Plotly narrows their domain as it narrows the contour's. (Matched axes cannot carry a scale
    // constraint, and an overlaid subplot of matched axes stays drawn over the unconstrained
    // domain: on a wide plot its cells and stars sat left of their points.)
    const f = this.gd.layout && this.gd.layout.uirevision === layout.uirevision ? this.gd._fullLayout : null;
    const range = (name) => [...(f && f[name] && f[name].range ? f[name].range : layout[name].range)];
    const equal = this.stretch ? {} : { constrain: "domain" };
    return { ...layout,
      xaxis2: { overlaying: "x", visible: false, range: range("xaxis"), autorange: false, ...equal },
      yaxis2: { overlaying: "y", visible: false, range: range("yaxis"), autorange: false, ...equal,
        ...(this.stretch ? {} : { scaleanchor: "x2", scaleratio: 1 }) } };
  }

  /** Draw a heatmap trace over the contour (null removes it). */
  setOverlay(trace) {
    if (!trace && !this.overlay) return;
    this.overlay = trace;
    if (this.baseTraces) this.react();
  }

  onRelayout(ev) {
    // (not after the overlay's own relayout: that would answer itself)
    if (!ev || !Object.keys(ev).every((k) => /^[xy]axis2\./.test(k))) this.syncOverlayAxes();
    this.redrawAll();
    if (!ev || !this.handlers.onViewChange) return;
    const a = axes(this.gd);
    if (!a) return;
    if ("xaxis.range[0]" in ev || "xaxis.range" in ev || "yaxis.range[0]" in ev || "xaxis.autorange" in ev) {
      this.handlers.onViewChange([a.xa.range[0], a.xa.range[1], a.ya.range[0], a.ya.range[1]]);
    }
  }

  setStart(start) {
    const same = start && this.start && start[0] === this.start[0] && start[1] === this.start[1];
    this.start = start;
    // Unchanged, or hidden under a dragged marker: nothing to redraw (a redrawn canvas costs a
    // frame of compositing, which a drag's answer would wait for).
    if (same || this.dragStart) return;
    this.drawCursor();
  }

  /**
   * The hidden overlay axes (a basin map's cells) on exactly the contour's ranges after a zoom
   * or pan (the same ranges under the same constraint give the same domains).
   */
  syncOverlayAxes() {
    const f = this.gd._fullLayout;
    if (!f || !f.xaxis2 || !f.yaxis2) return;
    const same = (a, b) => {
      const tol = 1e-9 * Math.abs(b[1] - b[0]);
      return Math.abs(a[0] - b[0]) <= tol && Math.abs(a[1] - b[1]) <= tol;
    };
    if (same(f.xaxis2.range, f.xaxis.range) && same(f.yaxis2.range, f.yaxis.range)) return;
    Plotly().relayout(this.gd, { "xaxis2.range": [...f.xaxis.range], "yaxis2.range": [...f.yaxis.range] });
  }

  setData(dataset, style) {
    this.dataset = dataset;
    this.style = style;
    this.drawPaths();
    this.trailStep = -1;
    this.drawTrail();
    this.drawCursor();
  }

  setStyle(style) {
    this.style = style;
    this.redrawAll();
  }

  // Everything else the overlays show is redrawn when it changes (data, style, start, axes), so
  // the same step again (every drawn answer sets it) has nothing to draw.
  setCursor(step) {
    if (step === this.step) return;
    this.step = step;
    this.drawTrail();
    this.drawCursor();
  }

  redrawAll() {
    this.drawPaths();
    this.trailStep = -1;
    this.drawTrail();
    this.drawCursor();
  }

  // No path is drawn over another function's surface (a new formula's grid may still be loading).
  visibleRuns() {
    if (this.surfaceId && this.dataSurfaceId && this.surfaceId !== this.dataSurfaceId) return [];
    return visibleRunIndices(this.dataset, this.style);
  }

  drawPaths() {
    const a = axes(this.gd);
    const ctx = prepare(this.pathsCanvas, this.gd);
    if (!a || !this.dataset) return;
    const { xa, ya } = a;
    ctx.save();
    clipTo(ctx, xa, ya);
    ctx.lineJoin = "round";
    for (const i of this.visibleRuns()) {
      const r = this.dataset.runs[i];
      ctx.strokeStyle = this.style.colors[i];
      ctx.globalAlpha = 0.45;
      ctx.lineWidth = 1.5 * thick();
      ctx.setLineDash(runMarks(i).dash.canvas.map((d) => d * 1.5));
      ctx.beginPath();
      ctx.moveTo(cl(axisToPx(xa, this.dataset.start[0])), cl(axisToPx(ya, this.dataset.start[1], true)));
      for (let k = 0; k < r.n; k += 1) ctx.lineTo(cl(axisToPx(xa, r.x[k])), cl(axisToPx(ya, r.y[k], true)));
      ctx.stroke();
      ctx.setLineDash([]);
      const comps = this.style.companions && this.style.companions[i];
      if (comps && comps.length) {
        strokeCompanions(ctx, r, comps, this.style.colors[i], (x) => cl(axisToPx(xa, x)), (y) => cl(axisToPx(ya, y, true)), thick());
      }
      if (r.status === "diverged") {
        // A cross at the last finite point (kept on the plot's edge when it lies outside).
        ctx.globalAlpha = 1;
        const [lx, ly] = lastFinitePoint(this.dataset, i);
        const px = Math.min(Math.max(axisToPx(xa, lx), xa._offset + 7), xa._offset + xa._length - 7);
        const py = Math.min(Math.max(axisToPx(ya, ly, true), ya._offset + 7), ya._offset + ya._length - 7);
        divergedCross(ctx, px, py, this.style.colors[i]);
      }
    }
    ctx.restore();
  }

  // The part of each path already walked (up to the cursor), drawn boldly; incremental when the
  // cursor only moves forward.
  drawTrail() {
    const a = axes(this.gd);
    if (!a || !this.dataset || this.step <= 0) {
      // Nothing walked yet: a canvas already blank is left alone (no new frame of it to show).
      if (!this.trailBlank) prepare(this.trailCanvas, this.gd);
      this.trailBlank = true;
      this.trailStep = -1;
      return;
    }
    this.trailBlank = false;
    const { xa, ya } = a;
    let from = this.trailStep;
    let ctx;
    if (from < 0 || this.step < from) {
      ctx = prepare(this.trailCanvas, this.gd);
      from = 0;
    } else {
      ctx = this.trailCanvas.getContext("2d");
    }
    ctx.save();
    clipTo(ctx, xa, ya);
    ctx.lineJoin = "round";
    ctx.lineCap = "round";
    ctx.lineWidth = 2.2 * thick();
    for (const i of this.visibleRuns()) {
      const r = this.dataset.runs[i];
      const upto = Math.min(this.step, r.n);
      if (upto <= from) continue;
      ctx.strokeStyle = this.style.colors[i];
      ctx.setLineDash(runMarks(i).dash.canvas.map((d) => d * 2));
      ctx.beginPath();
      const [sx, sy] = this.dataset.point(i, from);
      ctx.moveTo(cl(axisToPx(xa, sx)), cl(axisToPx(ya, sy, true)));
      for (let k = from; k < upto; k += 1) ctx.lineTo(cl(axisToPx(xa, r.x[k])), cl(axisToPx(ya, r.y[k], true)));
      ctx.stroke();
    }
    ctx.restore();
    this.trailStep = this.step;
  }

  drawCursor() {
    const a = axes(this.gd);
    const ctx = prepare(this.cursorCanvas, this.gd);
    if (!a) return;
    const { xa, ya } = a;
    ctx.save();
    clipTo(ctx, xa, ya);
    const start = this.dragStart || this.start || (this.dataset && this.dataset.start);
    if (start) {
      const px = axisToPx(xa, start[0]);
      const py = axisToPx(ya, start[1], true);
      ctx.beginPath();
      ctx.arc(px, py, 6 * thick(), 0, Math.PI * 2);
      ctx.fillStyle = "#ffffff";
      ctx.fill();
      ctx.lineWidth = 2 * thick();
      ctx.strokeStyle = "#1f2933";
      ctx.stroke();
      ctx.beginPath();
      ctx.arc(px, py, 2, 0, Math.PI * 2);
      ctx.fillStyle = "#1f2933";
      ctx.fill();
    }
    const d = this.dataset;
    if (d) {
      const sx = xa._length / (xa.range[1] - xa.range[0]);
      const sy = ya._length / (ya.range[1] - ya.range[0]);
      for (const i of this.visibleRuns()) {
        const r = d.runs[i];
        const s = Math.min(this.step, r.n);
        const color = this.style.colors[i];
        // Past its end a finished run shows its last point (a diverged one only its cross).
        const ended = this.step > r.n && r.status;
        if (ended && r.status === "diverged") continue;
        const [x1, y1] = d.point(i, s);
        const p1x = axisToPx(xa, x1);
        const p1y = axisToPx(ya, y1, true);
        if (s >= 1 && !ended) {
          const [x0, y0] = d.point(i, s - 1);
          const p0x = axisToPx(xa, x0);
          const p0y = axisToPx(ya, y0, true);
          // The gradient used at this step, as the descent direction -g (fixed length).
          const gx = -r.gx[s - 1] * sx;
          const gy = r.gy[s - 1] * sy;
          const gl = Math.hypot(gx, gy);
          const k = thick();
          if (gl > 0) arrow(ctx, p0x, p0y, p0x + (gx / gl) * 42 * k, p0y + (gy / gl) * 42 * k, color, { width: 1.6 * k, dash: [4 * k, 3 * k], head: 7 * k });
          // The update actually taken (true length).
          arrow(ctx, p0x, p0y, p1x, p1y, "#1f2933", { width: 2.6 * k, head: 9 * k });
          arrow(ctx, p0x, p0y, p1x, p1y, color, { width: 1.4 * k, head: 7 * k });
        }
        drawSymbol(ctx, runMarks(i).symbol, p1x, p1y, 5.5 * thick(), color);
        const comps = this.style.companions && this.style.companions[i];
        if (comps && comps.length) {
          markCompanions(ctx, r, comps, s, color, (x) => cl(axisToPx(xa, x)), (y) => cl(axisToPx(ya, y, true)), thick());
        }
      }
    }
    ctx.restore();
  }

  /** The start marker's pixel position, or null. */
  startPx() {
    const a = axes(this.gd);
    const start = this.start || (this.dataset && this.dataset.start);
    if (!a || !start) return null;
    return [axisToPx(a.xa, start[0]), axisToPx(a.ya, start[1], true)];
  }

  // A press on the start marker drags the start (the paths follow while dragging: every move
  // asks for new paths, a newer request cancelling the older); a press elsewhere is Plotly's
  // (pan by default, zoom from the toolbar), and a press and release within 3 px there is a click
  // that sets the start. The toolbar is never a click on the plot.
  bindPointer() {
    let down = null;
    let drag = null;
    const local = (ev) => {
      const rect = this.gd.getBoundingClientRect();
      return [ev.clientX - rect.left, ev.clientY - rect.top];
    };
    const inside = (px, py) => {
      const a = axes(this.gd);
      if (!a) return null;
      const { xa, ya } = a;
      if (px < xa._offset || px > xa._offset + xa._length || py < ya._offset || py > ya._offset + ya._length) return null;
      return a;
    };
    const onStart = (px, py) => {
      const sp = this.startPx();
      return sp && Math.hypot(px - sp[0], py - sp[1]) <= 12;
    };
    const toData = (px, py) => {
      const a = axes(this.gd);
      const { xa, ya } = a;
      const cx = Math.min(Math.max(px, xa._offset), xa._offset + xa._length);
      const cy = Math.min(Math.max(py, ya._offset), ya._offset + ya._length);
      return [pxToAxis(xa, cx), pxToAxis(ya, cy, true)];
    };
    const move = (ev) => {
      if (!drag || ev.pointerId !== drag.id) return;
      ev.preventDefault();
      ev.stopPropagation();
      const p = local(ev);
      if (Math.hypot(p[0] - drag.px[0], p[1] - drag.px[1]) < 1) return;
      drag.px = p;
      drag.moved = true;
      this.dragStart = toData(p[0], p[1]);
      this.drawCursor();
      if (this.handlers.onDragStart) this.handlers.onDragStart(this.dragStart[0], this.dragStart[1], false);
    };
    const up = (ev) => {
      if (!drag || ev.pointerId !== drag.id) return;
      ev.preventDefault();
      ev.stopPropagation();
      const end = drag.moved ? this.dragStart : null;
      drag = null;
      this.gd.classList.remove("dragging-start");
      window.removeEventListener("pointermove", move, true);
      window.removeEventListener("pointerup", up, true);
      window.removeEventListener("pointercancel", up, true);
      if (end && this.handlers.onDragStart) this.handlers.onDragStart(end[0], end[1], true);
      this.dragStart = null;
      this.drawCursor();
    };
    this.gd.addEventListener("pointerdown", (ev) => {
      down = null;
      if (ev.target && ev.target.closest && ev.target.closest(".modebar")) return;
      const p = local(ev);
      if (ev.button === 0 && inside(p[0], p[1]) && onStart(p[0], p[1])) {
        // Ours, not Plotly's: no pan or zoom starts (preventDefault also stops the mouse events
        // a pointer press is followed by).
        ev.preventDefault();
        ev.stopPropagation();
        drag = { id: ev.pointerId, px: p, moved: false };
        this.gd.classList.add("dragging-start");
        window.addEventListener("pointermove", move, true);
        window.addEventListener("pointerup", up, true);
        window.addEventListener("pointercancel", up, true);
        return;
      }
      down = p;
    }, true);
    // A touch on the marker drags it: neither Plotly nor the page's scrolling take that touch.
    this.gd.addEventListener("touchstart", (ev) => {
      if (!drag) return;
      ev.stopPropagation();
      if (ev.cancelable) ev.preventDefault();
    }, { capture: true, passive: false });
    // Plotly lays a cover over the page while a drag may start, so the release is heard on the
    // window; a press and release within 3 px is a click.
    window.addEventListener("pointerup", (ev) => {
      if (!down) return;
      const [px, py] = local(ev);
      const moved = Math.hypot(px - down[0], py - down[1]);
      down = null;
      const a = inside(px, py);
      if (!a || moved > 3 || ev.button !== 0) return;
      this.handlers.onClickPoint(pxToAxis(a.xa, px), pxToAxis(a.ya, py, true));
    }, true);
    // The cursor says the start marker can be dragged.
    this.gd.addEventListener("pointermove", (ev) => {
      if (ev.buttons || drag) return;
      const p = local(ev);
      this.gd.classList.toggle("over-start", Boolean(inside(p[0], p[1]) && onStart(p[0], p[1])));
    });
  }
}

/** The last point of run i whose coordinates are finite (the start if none). */
function lastFinitePoint(ds, i) {
  const r = ds.runs[i];
  for (let k = r.n - 1; k >= 0; k -= 1) {
    if (Number.isFinite(r.x[k]) && Number.isFinite(r.y[k])) return [r.x[k], r.y[k]];
  }
  return [ds.start[0], ds.start[1]];
}

/** The mark of a diverged run: a bold cross in the run's colour with a dark edge. */
function divergedCross(ctx, px, py, color, r = 7) {
  ctx.save();
  ctx.lineCap = "round";
  for (const [w, c] of [[5, "#1f2933"], [2.6, color]]) {
    ctx.lineWidth = w;
    ctx.strokeStyle = c;
    ctx.beginPath();
    ctx.moveTo(px - r, py - r);
    ctx.lineTo(px + r, py + r);
    ctx.moveTo(px + r, py - r);
    ctx.lineTo(px - r, py + r);
    ctx.stroke();
  }
  ctx.restore();
}

// ------------------------------------------------------------------ 3D view

export class Surface3DView {
  constructor(gd) {
    this.gd = gd;
    this.surface = null;
    this.dataset = null;
    this.style = { colors: [], visible: [] };
    this.drawn = false;
    this.cursorIndex = -1;
    this.pendingStep = null;
    this.stretch = false;
  }

  setSurface(surface) {
    this.surface = surface;
  }

  setData(dataset, style) {
    this.dataset = dataset;
    this.style = style;
  }

  // Every mark is placed at the height of the drawn mesh under it (the grid's own z, bilinear
  // between grid points, so log-drawn surfaces and the marks share one transform), lifted a
  // little so it shows above the mesh.
  z(x, y) {
    return gridZ(this.surface, x, y) + (this.lift || 0);
  }

  async draw(step) {
    if (!this.surface) return;
    const s = this.surface;
    const ticks = logTicks(s);
    const traces = [{
      type: "surface", x: s.x, y: s.y, z: s.z, colorscale: SURFACE_SCALE, showscale: false,
      opacity: 0.92, hoverinfo: "skip", contours: { z: { show: true, usecolormap: true, width: 1 } },
    }];
    const d = this.dataset;
    const runs = [];
    this.lift = Number.isFinite(s.zmax) && Number.isFinite(s.zmin) ? (s.zmax - s.zmin) * 0.008 : 0;
    const glob = (s.minima || []).filter((m) => m.kind !== "saddle");
    traces.push({ type: "scatter3d", mode: "markers", x: glob.map((m) => m.x), y: glob.map((m) => m.y),
      z: glob.map((m) => this.z(m.x, m.y)), showlegend: false, name: "minima",
      text: glob.map(markText), hovertemplate: MARK_HOVER,
      marker: { symbol: "diamond", size: 5, color: glob.map(markFill),
        line: { color: MARK_INK, width: 2 } } });
    if (d) {
      traces.push({ type: "scatter3d", mode: "markers", x: [d.start[0]], y: [d.start[1]],
        z: [this.z(d.start[0], d.start[1])], hoverinfo: "skip", showlegend: false, name: "start",
        marker: { symbol: "circle-open", size: 7, color: "#1f2933", line: { color: "#1f2933", width: 3 } } });
      d.runs.forEach((r, i) => {
        if (this.style.visible[i] === false || r.n === 0) return;
        const n = r.n;
        const stride = Math.max(1, Math.floor(n / 2000));
        const xs = [d.start[0]];
        const ys = [d.start[1]];
        const zs = [this.z(d.start[0], d.start[1])];
        for (let k = 0; k < n; k += stride) {
          xs.push(r.x[k]);
          ys.push(r.y[k]);
          zs.push(this.z(r.x[k], r.y[k]));
        }
        traces.push({ type: "scatter3d", mode: "lines", x: xs, y: ys, z: zs, hoverinfo: "skip",
          line: { color: this.style.colors[i], width: 5, dash: runMarks(i).dash.plotly.includes("px") ? "solid" : runMarks(i).dash.plotly },
          showlegend: false });
        runs.push(i);
      });
    }
    this.cursorIndex = traces.length;
    traces.push(this.cursorTrace(step, runs));
    this.runs = runs;
    const view = [s.x[0], s.x[s.x.length - 1], s.y[0], s.y[s.y.length - 1]];
    const ratio = (view[3] - view[2]) / (view[1] - view[0]);
    const aspect = this.stretch || !(ratio > 0) ? { x: 1, y: 1, z: 0.6 }
      : ratio <= 1 ? { x: 1, y: ratio, z: 0.6 } : { x: 1 / ratio, y: 1, z: 0.6 };
    // The box is the surface's: a run that leaves the view box (a diverged one) is clipped at
    // its walls, as on the contour, instead of stretching the axes until the mesh is a speck.
    const zRange = Number.isFinite(s.zmin) && Number.isFinite(s.zmax) && s.zmax > s.zmin
      ? { range: [s.zmin, s.zmax + 2 * this.lift] } : {};
    const layout = {
      font: FONT, margin: { l: 0, r: 0, t: 0, b: 0 }, paper_bgcolor: "#ffffff", showlegend: false,
      scene: { xaxis: { title: { text: "x" }, range: [view[0], view[1]] },
        yaxis: { title: { text: "y" }, range: [view[2], view[3]] },
        zaxis: { title: { text: "f" }, ...ticks, ...zRange }, aspectmode: "manual", aspectratio: aspect },
      uirevision: "3d",
    };
    await Plotly().react(this.gd, traces, layout, SCENE_CONFIG);
    this.drawn = true;
  }

  cursorTrace(step, runs) {
    const d = this.dataset;
    const x = [];
    const y = [];
    const z = [];
    const colors = [];
    const symbols = [];
    if (d) {
      for (const i of runs) {
        const s = Math.min(step, d.runs[i].n);
        const [px, py] = d.point(i, s);
        x.push(px);
        y.push(py);
        z.push(this.z(px, py));
        colors.push(this.style.colors[i]);
        const sym = runMarks(i).symbol;
        symbols.push(SYMBOLS_3D.includes(sym) ? sym : "circle");
      }
    }
    return { type: "scatter3d", mode: "markers", x, y, z, hoverinfo: "skip", showlegend: false,
      marker: { size: 6, color: colors, symbol: symbols, line: { color: "#ffffff", width: 1 } } };
  }

  // Cursor moves restyle the single cursor trace, at most once per animation frame.
  setCursor(step) {
    if (!this.drawn) return;
    const first = this.pendingStep === null;
    this.pendingStep = step;
    if (!first) return;
    requestAnimationFrame(() => {
      const s = this.pendingStep;
      this.pendingStep = null;
      const tr = this.cursorTrace(s, this.runs || []);
      Plotly().restyle(this.gd, { x: [tr.x], y: [tr.y], z: [tr.z], "marker.color": [tr.marker.color] }, [this.cursorIndex]);
    });
  }
}

// Marker symbols scatter3d knows.
const SYMBOLS_3D = ["circle", "square", "diamond", "cross", "x"];

// ------------------------------------------------------------------ line views (lr, loss, state)

/** Base for step-indexed line charts with a cursor overlay; a press or drag on one picks the step. */
class StepChart {
  constructor(gd, canvas, onPickStep) {
    this.gd = gd;
    this.canvas = canvas;
    this.onPickStep = onPickStep;
    this.dataset = null;
    this.style = { colors: [], visible: [] };
    this.step = 0;
    this.bound = false;
    // Hovering only shows numbers; a press (and a drag) in the plot area moves the step, unless
    // the toolbar's zoom is on (then the drag is Plotly's box zoom).
    let dragging = null;
    const stepAt = (ev) => {
      const a = axes(this.gd);
      if (!a || !this.dataset) return null;
      const rect = gd.getBoundingClientRect();
      const px = ev.clientX - rect.left;
      const s = Math.round(pxToAxis(a.xa, Math.min(Math.max(px, a.xa._offset), a.xa._offset + a.xa._length)));
      return Math.max(0, Math.min(this.dataset.maxSteps, s));
    };
    const move = (ev) => {
      if (!dragging || ev.pointerId !== dragging) return;
      const s = stepAt(ev);
      if (s !== null) this.onPickStep(s);
    };
    const up = (ev) => {
      if (!dragging || ev.pointerId !== dragging) return;
      dragging = null;
      window.removeEventListener("pointermove", move, true);
      window.removeEventListener("pointerup", up, true);
      window.removeEventListener("pointercancel", up, true);
    };
    gd.addEventListener("pointerdown", (ev) => {
      if (ev.button !== 0 || (ev.target && ev.target.closest && ev.target.closest(".modebar"))) return;
      const fl = this.gd._fullLayout;
      const a = axes(this.gd);
      if (!a || !fl || (fl.dragmode && fl.dragmode !== "false")) return;
      const rect = gd.getBoundingClientRect();
      const px = ev.clientX - rect.left;
      const py = ev.clientY - rect.top;
      if (px < a.xa._offset || px > a.xa._offset + a.xa._length || py < fl._size.t || py > fl._size.t + fl._size.h) return;
      const s = stepAt(ev);
      if (s === null) return;
      dragging = ev.pointerId;
      this.onPickStep(s);
      window.addEventListener("pointermove", move, true);
      window.addEventListener("pointerup", up, true);
      window.addEventListener("pointercancel", up, true);
    }, true);
  }

  bindAfterPlot() {
    if (this.bound) return;
    this.bound = true;
    this.gd.on("plotly_afterplot", () => this.drawCursor());
    this.gd.on("plotly_relayouting", () => this.drawCursor());
    // The toolbar's box zoom is for one zoom: afterwards a press picks the step again.
    this.gd.on("plotly_relayout", (ev) => {
      const fl = this.gd._fullLayout;
      if (fl && fl.dragmode === "zoom" && ev && Object.keys(ev).some((k) => k.includes("range"))) {
        Plotly().relayout(this.gd, { dragmode: false });
      }
    });
  }

  // The overlay is redrawn with the data and the axes; the same step again draws nothing new.
  setCursor(step) {
    if (step === this.step) return;
    this.step = step;
    this.drawCursor();
  }

  visibleRuns() {
    return visibleRunIndices(this.dataset, this.style);
  }

  /** An answer in which no shown run took a step (f undefined at the start) says so across
   * the chart, and its y axis shows no numbers, which would measure nothing. */
  noSteps(layout, dataset, runs) {
    if (!dataset.done || !runs.length || runs.some((i) => dataset.runs[i].n > 0)) return;
    layout.annotations = [{ text: t("plot.noSteps").split("\n").map(escapePlotly).join("<br>"), xref: "paper", yref: "paper", x: 0.5, y: 0.5,
      showarrow: false, font: { size: 13, color: "#52606d" } }];
    for (const key of Object.keys(layout)) if (key.startsWith("yaxis")) layout[key].showticklabels = false;
  }

  baseLayout() {
    return {
      font: FONT, paper_bgcolor: "#ffffff", plot_bgcolor: "#ffffff", showlegend: false,
      hovermode: "x unified", dragmode: false, margin: { l: 56, r: 10, t: 6, b: 32 },
      hoverlabel: { bgcolor: "rgba(255,255,255,0.94)", font: { size: 12 }, namelength: -1 },
    };
  }

  // Vertical cursor line and a dot on each run's curve per y axis in `this.series`.
  drawCursor() {
    const a = axes(this.gd);
    const ctx = prepare(this.canvas, this.gd);
    if (!a || !this.dataset) return;
    const fl = this.gd._fullLayout;
    const { xa } = a;
    const x = axisToPx(xa, Math.max(this.step, 0));
    if (x < xa._offset - 1 || x > xa._offset + xa._length + 1) return;
    ctx.strokeStyle = "rgba(31,41,51,0.7)";
    ctx.lineWidth = 1;
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    ctx.moveTo(x, fl._size.t);
    ctx.lineTo(x, fl._size.t + fl._size.h);
    ctx.stroke();
    ctx.setLineDash([]);
    if (this.step < 1) return;
    for (const s of this.series || []) {
      const ya = fl[s.yaxis];
      if (!ya || !ya._length) continue;
      const r = this.dataset.runs[s.run];
      if (this.step > r.n) continue;
      const v = s.values[this.step - 1];
      if (!Number.isFinite(v) || (ya.type === "log" && v <= 0)) continue;
      const y = axisToPx(ya, v, true);
      if (y < ya._offset - 1 || y > ya._offset + ya._length + 1) continue;
      marker(ctx, x, y, this.style.colors[s.run], 3.5);
    }
  }
}

export class LineView extends StepChart {
  /** `field`: "lr" or "loss" (a RunTrace array). */
  constructor(gd, canvas, field, onPickStep) {
    super(gd, canvas, onPickStep);
    this.field = field;
    this.log = false;
    this.logUsed = false;
  }

  /**
   * `log`: true, false, or null for automatic (the lr chart: log when the runs' largest lrs span
   * more than two decades). The y range comes from the data: the lr from 0 (or its decades), the
   * loss from the finite part that has not diverged, so one diverged run does not flatten the rest.
   */
  async setData(dataset, style, { log = this.log } = {}) {
    this.dataset = dataset;
    this.style = style;
    this.log = log;
    const traces = [];
    this.series = [];
    const runs = this.visibleRuns();
    const useLog = log === null ? this.field === "lr" && lrSpansDecades(dataset, runs) : Boolean(log);
    this.logUsed = useLog;
    const range = this.field === "lr" ? lrRange(dataset, runs, useLog) : lossRange(dataset, runs, useLog);
    const marks = [];
    for (const i of runs) {
      const r = dataset.runs[i];
      const values = r[this.field];
      const dec = line(r, this.field, values);
      const { dash, symbol } = runMarks(i);
      const name = escapePlotly((style.names && style.names[i]) || String(i + 1));
      traces.push({ type: "scatter", mode: "lines+markers", x: dec.x, y: dec.y, name,
        hovertemplate: "%{y:.4g}", line: { color: style.colors[i], width: 1.8, dash: dash.plotly },
        marker: { symbol, size: 6, color: style.colors[i], maxdisplayed: 8, line: { color: "#ffffff", width: 0.8 } } });
      this.series.push({ run: i, yaxis: "yaxis", values });
      if (this.field === "loss" && r.status === "diverged") {
        let k = r.n - 1;
        while (k >= 0 && !Number.isFinite(values[k])) k -= 1;
        if (k >= 0) marks.push({ i, step: k + 1, value: values[k], name });
      }
    }
    for (const m of marks) {
      // On the chart's top edge when the value is above the range (the range leaves it out).
      let y = m.value;
      if (range) {
        const top = useLog ? 10 ** range[1] : range[1];
        if (y > top) y = useLog ? 10 ** (range[1] - 0.02 * (range[1] - range[0])) : top - 0.02 * (range[1] - range[0]);
      }
      traces.push({ type: "scatter", mode: "markers", x: [m.step], y: [y], name: `${m.name} ✕`,
        hovertemplate: `${escapePlotly(t("run.divergedAt", { n: m.step }))}<extra></extra>`, showlegend: false,
        cliponaxis: false, marker: { symbol: "x-thin-open", size: 14, color: style.colors[m.i], line: { width: 3.5, color: style.colors[m.i] } } });
    }
    const layout = this.baseLayout();
    // The lr chart's per-run scalars (d_t, c_t): dotted, on a second axis at the right.
    const extra = this.field === "lr" ? lrScalarSeries(dataset, runs, style) : [];
    for (const s of extra) {
      const dec = line(dataset.runs[s.run], `state.${s.name}`, s.values);
      const name = escapePlotly(`${(style.names && style.names[s.run]) || s.run + 1}: ${s.symbol}`);
      traces.push({ type: "scatter", mode: "lines", x: dec.x, y: dec.y, yaxis: "y2", name,
        hovertemplate: "%{y:.4g}", line: { color: style.colors[s.run], width: 2, dash: "dot" } });
      this.series.push({ run: s.run, yaxis: "yaxis2", values: s.values });
    }
    if (extra.length) {
      layout.yaxis2 = lrScalarAxis(extra);
      // room above the plot for the modebar (always shown on touch), which would hide the right
      // axis' top tick label
      layout.margin = { ...layout.margin, r: 64, t: 26 };
    }
    layout.xaxis = { title: { text: t("plot.step"), standoff: 2 }, range: [0, Math.max(dataset.steps, 1)], zeroline: false };
    layout.yaxis = { type: useLog ? "log" : "linear", exponentformat: "power", zeroline: false,
      autorange: !range, ...(range ? { range } : {}),
      // round values whose labels never touch (about 60 px of the chart go to its margins)
      ...(useLog && range ? logAxisTicks(10 ** range[0], 10 ** range[1], Math.max(0, this.gd.clientHeight - 60)) : {}) };
    if (extra.length) layout.yaxis.title = { text: "lr", standoff: 2 };
    layout.uirevision = `${this.field}-${useLog}`;
    this.noSteps(layout, dataset, runs);
    await Plotly().react(this.gd, traces, layout, LINE_CONFIG);
    this.bindAfterPlot();
    this.drawCursor();
  }
}

/** The finite values of runs' series up to their recorded steps. */
function finiteValues(dataset, runs, field, keep = () => true) {
  const out = [];
  for (const i of runs) {
    const r = dataset.runs[i];
    const v = r[field];
    for (let k = 0; k < r.n; k += 1) if (Number.isFinite(v[k]) && keep(v[k])) out.push(v[k]);
  }
  return out;
}

function lrSpansDecades(dataset, runs) {
  const tops = runs.map((i) => {
    const r = dataset.runs[i];
    let m = 0;
    for (let k = 0; k < r.n; k += 1) if (r.lr[k] > m) m = r.lr[k];
    return m;
  }).filter((v) => v > 0);
  return tops.length > 1 && Math.max(...tops) / Math.min(...tops) > 100;
}

/** The smallest and largest of `vals` (a loop: a spread of 10^5 values would overflow the stack). */
function extent(vals) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of vals) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** The lr axis: from 0 to a little above the largest lr; on a log axis, the decades the lrs span. */
function lrRange(dataset, runs, log) {
  const vals = finiteValues(dataset, runs, "lr", (v) => v > 0);
  if (!vals.length) return null;
  const [lo, hi] = extent(vals);
  if (!log) return [-hi * 0.04, hi * 1.1];
  const a = Math.log10(lo);
  const b = Math.log10(hi);
  const pad = Math.max(0.1, (b - a) * 0.06);
  return b - a < 0.2 ? [a - 0.5, b + 0.5] : [a - pad, b + pad];
}

/**
 * The loss axis from the runs that did not diverge (all their finite values) and the part of
 * each diverged run inside their range: a diverged tail goes off the top, marked, instead of
 * flattening the rest.
 */
function lossRange(dataset, runs, log) {
  const keep = log ? (v) => v > 0 : () => true;
  const ok = runs.filter((i) => dataset.runs[i].status !== "diverged");
  const bad = runs.filter((i) => dataset.runs[i].status === "diverged");
  let vals = finiteValues(dataset, ok, "loss", keep);
  // The others' range caps the diverged runs; with none left, ten times their first loss does.
  let cap = -Infinity;
  for (const v of vals) if (v > cap) cap = v;
  if (!ok.length) {
    for (const i of bad) {
      const r = dataset.runs[i];
      if (r.n && Number.isFinite(r.loss[0])) cap = Math.max(cap, Math.abs(r.loss[0]) * 10);
    }
  }
  if (bad.length) vals = vals.concat(finiteValues(dataset, bad, "loss", (v) => keep(v) && v <= cap));
  if (!vals.length) return null;
  const [lo, hi] = extent(vals);
  if (log) {
    const a = Math.log10(lo);
    const b = Math.log10(hi);
    const pad = Math.max(0.1, (b - a) * 0.05);
    return [a - pad, b + pad];
  }
  if (!bad.length) return null; // Plotly's own range fits finite curves well
  const pad = (hi - lo) * 0.06 || Math.abs(hi) * 0.1 || 1;
  return [lo - pad, hi + pad];
}

export class StateView extends StepChart {
  constructor(gd, canvas, onPickStep) {
    super(gd, canvas, onPickStep);
    this.quantities = [];
  }

  /**
   * `quantities`: [{name, symbol, help, scalar}] in display order (already filtered by the chips).
   */
  async setData(dataset, style, quantities) {
    this.dataset = dataset;
    this.style = style;
    this.quantities = quantities;
    const k = quantities.length;
    const traces = [];
    this.series = [];
    const layout = this.baseLayout();
    layout.margin = { l: 64, r: 10, t: 6, b: 32 };
    const gap = 0.04;
    const hEach = k ? (1 - gap * (k - 1)) / k : 1;
    const height = Math.max(160, 40 + 110 * Math.max(k, 1));
    const panelHeight = height - layout.margin.t - layout.margin.b; // the panels' shared height
    quantities.forEach((q, qi) => {
      const axisName = qi === 0 ? "yaxis" : `yaxis${qi + 1}`;
      const ref = qi === 0 ? "y" : `y${qi + 1}`;
      const top = 1 - qi * (hEach + gap);
      let lo = Infinity;
      let hi = -Infinity;
      let least = Infinity; // the positive extent, for a log axis's ticks
      let most = -Infinity;
      const robust = [];
      for (const i of this.visibleRuns()) {
        const r = dataset.runs[i];
        const st = r.state[q.name];
        if (!st) continue;
        const coords = q.scalar ? ["x"] : ["x", "y"];
        for (const c of coords) {
          const dec = line(r, `${q.name}.${c}`, st[c]);
          const name = escapePlotly(`${(style.names && style.names[i]) || i + 1}${coords.length > 1 ? ` (${c})` : ""}`);
          traces.push({ type: "scatter", mode: "lines+markers", x: dec.x, y: dec.y, yaxis: ref, name,
            hovertemplate: "%{y:.4g}", line: { color: style.colors[i], width: 1.5, dash: c === "y" ? "dash" : "solid" },
            marker: { symbol: runMarks(i).symbol, size: 5, color: style.colors[i], maxdisplayed: 8 } });
          this.series.push({ run: i, yaxis: axisName, values: st[c] });
          if (q.name === "effective_lr") robust.push(st[c].subarray(0, r.n));
          if (q.log) {
            for (const v of st[c].subarray(0, r.n)) {
              if (v > 0 && Number.isFinite(v)) {
                least = Math.min(least, v);
                most = Math.max(most, v);
              }
            }
          }
        }
      }
      for (const arr of robust) {
        const [a, b] = percentiles(arr, 0.02, 0.98);
        lo = Math.min(lo, a);
        hi = Math.max(hi, b);
      }
      const title = latexToText(q.symbol || q.name);
      layout[axisName] = {
        domain: [Math.max(0, top - hEach), top], anchor: "x", zeroline: !q.log, zerolinecolor: "#d0d7de",
        title: { text: title, standoff: 4, font: { size: 13 } }, exponentformat: "power", nticks: 4,
        autorange: !(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo),
        type: q.log ? "log" : "linear", // a positive scale over decades (the step scale)
        // round values, not a column of digits; the panel's data span about 90 % of its height
        ...(q.log ? logAxisTicks(least, most, 0.9 * panelHeight * hEach) : {}),
      };
      if (!layout[axisName].autorange) {
        const pad = (hi - lo) * 0.08;
        layout[axisName].range = [lo - pad, hi + pad];
      }
    });
    layout.xaxis = { title: { text: t("plot.step"), standoff: 2 }, range: [0, Math.max(dataset.steps, 1)],
      anchor: k > 1 ? `y${k}` : "y", zeroline: false };
    layout.uirevision = quantities.map((q) => q.name).join(",");
    layout.height = height;
    this.noSteps(layout, dataset, this.visibleRuns());
    this.gd.style.height = `${layout.height}px`;
    await Plotly().react(this.gd, traces, layout, LINE_CONFIG);
    this.bindAfterPlot();
    this.drawCursor();
  }
}

function percentiles(arr, a, b) {
  const finite = Array.from(arr).filter(Number.isFinite);
  if (!finite.length) return [NaN, NaN];
  finite.sort((p, q) => p - q);
  const at = (f) => finite[Math.min(finite.length - 1, Math.max(0, Math.round(f * (finite.length - 1))))];
  return [at(a), at(b)];
}
