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

const Plotly = () => window.Plotly;
const FONT = { family: "system-ui, -apple-system, 'Segoe UI', 'Noto Sans SC', sans-serif", size: 12, color: "#1f2933" };
const PLOT_CONFIG = {
  displaylogo: false,
  responsive: true,
  scrollZoom: false,
  modeBarButtonsToRemove: ["select2d", "lasso2d", "toImage", "autoScale2d", "hoverClosestCartesian",
    "hoverCompareCartesian", "toggleSpikelines"],
};
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

/** Size a canvas to its graph div (device pixels) and return a cleared, scaled context. */
function prepare(canvas, gd) {
  const dpr = window.devicePixelRatio || 1;
  const w = gd.clientWidth;
  const hgt = gd.clientHeight;
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
    this.handlers = handlers; // {onHoverStep(step), onClickPoint(x, y), onViewChange(view)}
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
    const traces = [
      {
        type: "contour", x: surface.x, y: surface.y, z: surface.z, colorscale: SURFACE_SCALE,
        ncontours: 28, contours: { coloring: "fill", showlines: true },
        line: { color: "rgba(60,72,88,0.35)", width: 0.6 }, hoverinfo: "skip", connectgaps: false,
        colorbar: { thickness: 10, len: 0.9, outlinewidth: 0, tickfont: { size: 10 },
          title: { text: surface.log ? "log₁₀" : "f", side: "right", font: { size: 10 } } },
      },
      {
        type: "scatter", mode: "markers", x: glob.map((m) => m.x), y: glob.map((m) => m.y),
        name: t("legend.minimum"), hoverinfo: "skip", showlegend: false,
        marker: { symbol: "star", size: 13, color: "#ffffff", line: { color: "#1f2933", width: 1.2 } },
      },
      {
        type: "scatter", mode: "markers", x: saddles.map((m) => m.x), y: saddles.map((m) => m.y),
        name: t("legend.saddle"), hoverinfo: "skip", showlegend: false,
        marker: { symbol: "x-thin-open", size: 12, color: "#1f2933", line: { width: 2 } },
      },
    ];
    const layout = {
      font: FONT, margin: { l: 44, r: 8, t: 8, b: 36 }, paper_bgcolor: "#ffffff",
      plot_bgcolor: "#ffffff", dragmode: "zoom", hovermode: false, showlegend: false,
      xaxis: { range: [view[0], view[1]], title: { text: "x", standoff: 4 }, zeroline: false, autorange: false },
      yaxis: { range: [view[2], view[3]], title: { text: "y", standoff: 4 }, zeroline: false, autorange: false },
      uirevision: key,
    };
    this.surfaceKey = key;
    this.baseTraces = traces;
    this.layout = layout;
    await Plotly().react(this.gd, this.composedTraces(), this.composedLayout(), PLOT_CONFIG);
    if (!this.ready) {
      this.ready = true;
      this.gd.on("plotly_afterplot", () => this.redrawAll());
      this.gd.on("plotly_relayout", (ev) => this.onRelayout(ev));
      this.gd.on("plotly_relayouting", () => this.redrawAll());
    }
    this.redrawAll();
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

  /** The layout, with the overlaid axes (hidden, following the first pair) when needed. */
  composedLayout() {
    if (!this.overlay || !this.layout) return this.layout;
    return { ...this.layout, xaxis2: { overlaying: "x", matches: "x", visible: false },
      yaxis2: { overlaying: "y", matches: "y", visible: false } };
  }

  /** Draw a heatmap trace over the contour (null removes it). */
  setOverlay(trace) {
    if (!trace && !this.overlay) return;
    this.overlay = trace;
    if (this.baseTraces) Plotly().react(this.gd, this.composedTraces(), this.composedLayout(), PLOT_CONFIG);
  }

  onRelayout(ev) {
    this.redrawAll();
    if (!ev || !this.handlers.onViewChange) return;
    const a = axes(this.gd);
    if (!a) return;
    if ("xaxis.range[0]" in ev || "xaxis.range" in ev || "yaxis.range[0]" in ev || "xaxis.autorange" in ev) {
      this.handlers.onViewChange([a.xa.range[0], a.xa.range[1], a.ya.range[0], a.ya.range[1]]);
    }
  }

  setStart(start) {
    this.start = start;
    this.drawCursor();
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

  setCursor(step) {
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

  visibleRuns() {
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
      ctx.globalAlpha = 0.4;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(cl(axisToPx(xa, this.dataset.start[0])), cl(axisToPx(ya, this.dataset.start[1], true)));
      for (let k = 0; k < r.n; k += 1) ctx.lineTo(cl(axisToPx(xa, r.x[k])), cl(axisToPx(ya, r.y[k], true)));
      ctx.stroke();
      if (r.status === "diverged" && r.n > 0) {
        ctx.globalAlpha = 1;
        const px = cl(axisToPx(xa, r.x[r.n - 1]));
        const py = cl(axisToPx(ya, r.y[r.n - 1], true));
        ctx.lineWidth = 2.5;
        ctx.beginPath();
        ctx.moveTo(px - 6, py - 6);
        ctx.lineTo(px + 6, py + 6);
        ctx.moveTo(px + 6, py - 6);
        ctx.lineTo(px - 6, py + 6);
        ctx.stroke();
      }
    }
    ctx.restore();
  }

  // The part of each path already walked (up to the cursor), drawn boldly; incremental when the
  // cursor only moves forward.
  drawTrail() {
    const a = axes(this.gd);
    if (!a || !this.dataset) {
      prepare(this.trailCanvas, this.gd);
      return;
    }
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
    ctx.lineWidth = 2.2;
    for (const i of this.visibleRuns()) {
      const r = this.dataset.runs[i];
      const upto = Math.min(this.step, r.n);
      if (upto <= from) continue;
      ctx.strokeStyle = this.style.colors[i];
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
    const start = this.start || (this.dataset && this.dataset.start);
    if (start) {
      const px = axisToPx(xa, start[0]);
      const py = axisToPx(ya, start[1], true);
      ctx.beginPath();
      ctx.arc(px, py, 6, 0, Math.PI * 2);
      ctx.fillStyle = "#ffffff";
      ctx.fill();
      ctx.lineWidth = 2;
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
        const [x1, y1] = d.point(i, s);
        const p1x = axisToPx(xa, x1);
        const p1y = axisToPx(ya, y1, true);
        if (s >= 1) {
          const [x0, y0] = d.point(i, s - 1);
          const p0x = axisToPx(xa, x0);
          const p0y = axisToPx(ya, y0, true);
          // The gradient used at this step, as the descent direction -g (fixed length).
          const gx = -r.gx[s - 1] * sx;
          const gy = r.gy[s - 1] * sy;
          const gl = Math.hypot(gx, gy);
          if (gl > 0) arrow(ctx, p0x, p0y, p0x + (gx / gl) * 42, p0y + (gy / gl) * 42, color, { width: 1.6, dash: [4, 3], head: 7 });
          // The update actually taken (true length).
          arrow(ctx, p0x, p0y, p1x, p1y, "#1f2933", { width: 2.6, head: 9 });
          arrow(ctx, p0x, p0y, p1x, p1y, color, { width: 1.4, head: 7 });
        }
        marker(ctx, p1x, p1y, color, 5.5);
      }
    }
    ctx.restore();
  }

  /** The step of the path point nearest to pixel (px, py) within `radius`, or null. */
  nearestStep(px, py, radius = 10) {
    const a = axes(this.gd);
    if (!a || !this.dataset) return null;
    const { xa, ya } = a;
    let best = radius * radius;
    let step = null;
    for (const i of this.visibleRuns()) {
      const r = this.dataset.runs[i];
      for (let k = 0; k < r.n; k += 1) {
        const dx = axisToPx(xa, r.x[k]) - px;
        const dy = axisToPx(ya, r.y[k], true) - py;
        const d2 = dx * dx + dy * dy;
        if (d2 < best) {
          best = d2;
          step = k + 1;
        }
      }
    }
    return step;
  }

  bindPointer() {
    let down = null;
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
    this.gd.addEventListener("pointerdown", (ev) => {
      down = local(ev);
    }, true);
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
    let pending = null;
    this.gd.addEventListener("pointermove", (ev) => {
      if (ev.buttons) return;
      const p = local(ev);
      if (!inside(p[0], p[1])) return;
      if (pending) {
        pending = p;
        return;
      }
      pending = p;
      requestAnimationFrame(() => {
        const [px, py] = pending;
        pending = null;
        const s = this.nearestStep(px, py);
        if (s !== null) this.handlers.onHoverStep(s);
      });
    });
  }
}

// ------------------------------------------------------------------ 3D view

export class Surface3DView {
  constructor(gd) {
    this.gd = gd;
    this.surface = null;
    this.dataset = null;
    this.style = { colors: [], visible: [] };
    this.transform = (v) => v;
    this.drawn = false;
    this.cursorIndex = -1;
    this.pendingStep = null;
  }

  setSurface(surface, transform) {
    this.surface = surface;
    this.transform = transform;
  }

  setData(dataset, style) {
    this.dataset = dataset;
    this.style = style;
  }

  async draw(step) {
    if (!this.surface) return;
    const s = this.surface;
    const traces = [{
      type: "surface", x: s.x, y: s.y, z: s.z, colorscale: SURFACE_SCALE, showscale: false,
      opacity: 0.92, hoverinfo: "skip", contours: { z: { show: true, usecolormap: true, width: 1 } },
    }];
    const d = this.dataset;
    const runs = [];
    const lift = Number.isFinite(s.zmax) && Number.isFinite(s.zmin) ? (s.zmax - s.zmin) * 0.01 : 0;
    this.lift = lift;
    if (d) {
      d.runs.forEach((r, i) => {
        if (this.style.visible[i] === false || r.n === 0) return;
        const n = r.n;
        const stride = Math.max(1, Math.floor(n / 2000));
        const xs = [d.start[0]];
        const ys = [d.start[1]];
        const zs = [this.zAt(d, i, 0) + lift];
        for (let k = 0; k < n; k += stride) {
          xs.push(r.x[k]);
          ys.push(r.y[k]);
          zs.push(this.transform(r.loss[k]) + lift);
        }
        traces.push({ type: "scatter3d", mode: "lines", x: xs, y: ys, z: zs, hoverinfo: "skip",
          line: { color: this.style.colors[i], width: 5 }, showlegend: false });
        runs.push(i);
      });
    }
    this.cursorIndex = traces.length;
    traces.push(this.cursorTrace(step, runs));
    this.runs = runs;
    const layout = {
      font: FONT, margin: { l: 0, r: 0, t: 0, b: 0 }, paper_bgcolor: "#ffffff", showlegend: false,
      scene: { xaxis: { title: { text: "x" } }, yaxis: { title: { text: "y" } },
        zaxis: { title: { text: s.log ? "log₁₀ f" : "f" } }, aspectmode: "manual",
        aspectratio: { x: 1, y: 1, z: 0.6 } },
      uirevision: "3d",
    };
    await Plotly().react(this.gd, traces, layout, { ...PLOT_CONFIG, responsive: true });
    this.drawn = true;
  }

  zAt(d, i, s) {
    const r = d.runs[i];
    if (s >= 1 && s <= r.n) return this.transform(r.loss[s - 1]);
    // The start: interpolate the surface grid value nearest to the start point.
    const sf = this.surface;
    const xi = nearestIndex(sf.x, d.start[0]);
    const yi = nearestIndex(sf.y, d.start[1]);
    const row = sf.z[yi];
    return row ? row[xi] : null;
  }

  cursorTrace(step, runs) {
    const d = this.dataset;
    const x = [];
    const y = [];
    const z = [];
    const colors = [];
    if (d) {
      for (const i of runs) {
        const s = Math.min(step, d.runs[i].n);
        const [px, py] = d.point(i, s);
        x.push(px);
        y.push(py);
        z.push(this.zAt(d, i, s) + (this.lift || 0));
        colors.push(this.style.colors[i]);
      }
    }
    return { type: "scatter3d", mode: "markers", x, y, z, hoverinfo: "skip", showlegend: false,
      marker: { size: 6, color: colors, line: { color: "#ffffff", width: 1 } } };
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

function nearestIndex(arr, v) {
  let best = 0;
  let bd = Infinity;
  for (let i = 0; i < arr.length; i += 1) {
    const d = Math.abs(arr[i] - v);
    if (d < bd) {
      bd = d;
      best = i;
    }
  }
  return best;
}

// ------------------------------------------------------------------ line views (lr, loss, state)

/** Base for step-indexed line charts with a cursor overlay and hover-to-scrub. */
class StepChart {
  constructor(gd, canvas, onHoverStep) {
    this.gd = gd;
    this.canvas = canvas;
    this.onHoverStep = onHoverStep;
    this.dataset = null;
    this.style = { colors: [], visible: [] };
    this.step = 0;
    this.bound = false;
    let pending = null;
    gd.addEventListener("pointermove", (ev) => {
      if (ev.buttons) return;
      const rect = gd.getBoundingClientRect();
      const p = [ev.clientX - rect.left, ev.clientY - rect.top];
      if (pending) {
        pending = p;
        return;
      }
      pending = p;
      requestAnimationFrame(() => {
        const [px, py] = pending;
        pending = null;
        const a = axes(this.gd);
        if (!a || !this.dataset) return;
        const { xa } = a;
        const fl = this.gd._fullLayout;
        if (px < xa._offset || px > xa._offset + xa._length || py < fl._size.t || py > fl._size.t + fl._size.h) return;
        const s = Math.round(pxToAxis(xa, px));
        this.onHoverStep(Math.max(0, Math.min(this.dataset.maxSteps, s)));
      });
    });
  }

  bindAfterPlot() {
    if (this.bound) return;
    this.bound = true;
    this.gd.on("plotly_afterplot", () => this.drawCursor());
    this.gd.on("plotly_relayouting", () => this.drawCursor());
  }

  setCursor(step) {
    this.step = step;
    this.drawCursor();
  }

  visibleRuns() {
    return visibleRunIndices(this.dataset, this.style);
  }

  baseLayout() {
    return {
      font: FONT, paper_bgcolor: "#ffffff", plot_bgcolor: "#ffffff", showlegend: false,
      hovermode: false, dragmode: "zoom", margin: { l: 56, r: 10, t: 6, b: 32 },
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
  constructor(gd, canvas, field, onHoverStep) {
    super(gd, canvas, onHoverStep);
    this.field = field;
    this.log = false;
  }

  async setData(dataset, style, { log = this.log } = {}) {
    this.dataset = dataset;
    this.style = style;
    this.log = log;
    const traces = [];
    this.series = [];
    for (const i of this.visibleRuns()) {
      const r = dataset.runs[i];
      const values = r[this.field];
      const dec = line(r, this.field, values);
      traces.push({ type: "scatter", mode: "lines", x: dec.x, y: dec.y, hoverinfo: "skip",
        line: { color: style.colors[i], width: 1.8 }, name: String(i + 1) });
      this.series.push({ run: i, yaxis: "yaxis", values });
    }
    const layout = this.baseLayout();
    layout.xaxis = { title: { text: t("plot.step"), standoff: 2 }, range: [0, Math.max(dataset.steps, 1)], zeroline: false };
    layout.yaxis = { type: log ? "log" : "linear", exponentformat: "power", zeroline: false, autorange: true };
    layout.uirevision = `${this.field}-${log}`;
    await Plotly().react(this.gd, traces, layout, PLOT_CONFIG);
    this.bindAfterPlot();
    this.drawCursor();
  }
}

export class StateView extends StepChart {
  constructor(gd, canvas, onHoverStep) {
    super(gd, canvas, onHoverStep);
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
    quantities.forEach((q, qi) => {
      const axisName = qi === 0 ? "yaxis" : `yaxis${qi + 1}`;
      const ref = qi === 0 ? "y" : `y${qi + 1}`;
      const top = 1 - qi * (hEach + gap);
      let lo = Infinity;
      let hi = -Infinity;
      const robust = [];
      for (const i of this.visibleRuns()) {
        const r = dataset.runs[i];
        const st = r.state[q.name];
        if (!st) continue;
        const coords = q.scalar ? ["x"] : ["x", "y"];
        for (const c of coords) {
          const dec = line(r, `${q.name}.${c}`, st[c]);
          traces.push({ type: "scatter", mode: "lines", x: dec.x, y: dec.y, yaxis: ref, hoverinfo: "skip",
            line: { color: style.colors[i], width: 1.5, dash: c === "y" ? "dash" : "solid" } });
          this.series.push({ run: i, yaxis: axisName, values: st[c] });
          if (q.name === "effective_lr") robust.push(st[c].subarray(0, r.n));
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
      };
      if (!layout[axisName].autorange) {
        const pad = (hi - lo) * 0.08;
        layout[axisName].range = [lo - pad, hi + pad];
      }
    });
    layout.xaxis = { title: { text: t("plot.step"), standoff: 2 }, range: [0, Math.max(dataset.steps, 1)],
      anchor: k > 1 ? `y${k}` : "y", zeroline: false };
    layout.uirevision = quantities.map((q) => q.name).join(",");
    layout.height = Math.max(160, 40 + 110 * Math.max(k, 1));
    this.gd.style.height = `${layout.height}px`;
    await Plotly().react(this.gd, traces, layout, PLOT_CONFIG);
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
