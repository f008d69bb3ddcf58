// What every chart calls a run and how it draws it apart from the others: the run's name (its
// label, else its preset or optimizer with its key values), a dash pattern and a marker symbol
// per run (so lines stay distinguishable where colours coincide in print), and the escaping of
// text handed to Plotly (which reads HTML-like tags in trace names and annotations).

import { formatValue } from "./controls.js";
import { tc } from "./i18n.js";
import { DASHES, SYMBOLS } from "./palette.js";

// Plotly's dash names with the canvas pattern (in line widths) that draws the same, and the
// marker symbols: the catalog's palette (palette.js).
export { DASHES, SYMBOLS };

/** The run's dash and marker symbol (by run index). */
export function runMarks(i) {
  return { dash: DASHES[i % DASHES.length], symbol: SYMBOLS[i % SYMBOLS.length] };
}

/** Text safe in a Plotly trace name, hover label or annotation: `<`, `>`, `&` as entities. */
export function escapePlotly(text) {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const matches = (preset, params) => Object.entries(preset.params).every(([k, v]) => params[k] === v);

/** The text key naming each kind of surface mark: the contour's filled and hollow stars and its
 * cross, their legend entries, the basins of a basin map. */
export const SURFACE_MARKS = { global: "legend.globalMinimum", local: "legend.localMinimum", saddle: "legend.saddle" };

/** "Nesterov, lr=0.001, momentum=0.9": preset (or optimizer) and the values that set it apart. */
export function optimizerName(catalog, run) {
  const spec = catalog.optimizers.find((o) => o.name === run.optimizer);
  if (!spec) return String(run.optimizer);
  const params = run.params || {};
  const presets = (spec.presets || []).filter((p) => matches(p, params));
  // The most specific preset that fits (Nesterov over Momentum), if any.
  presets.sort((a, b) => Object.keys(b.params).length - Object.keys(a.params).length);
  const preset = presets[0];
  const label = preset ? tc(preset, "label") || preset.name : tc(spec, "label") || spec.name;
  const parts = [];
  for (const p of spec.params) {
    const v = params[p.name];
    if (v === undefined || v === null) continue;
    if (p.name === "lr") {
      parts.push(`lr=${formatValue(v)}`);
    } else if (p.type === "bool") {
      const base = preset && p.name in preset.params ? preset.params[p.name] : p.default;
      if (v !== base) parts.push(v ? p.name : `no ${p.name}`);
    } else if (typeof v === "number" && v !== p.default) {
      parts.push(`${p.name}=${formatValue(v)}`);
    } else if (Array.isArray(v) && JSON.stringify(v) !== JSON.stringify(p.default)) {
      parts.push(`${p.name}=${v.map(formatValue).join(",")}`);
    } else if (typeof v === "string" && v !== p.default) {
      parts.push(`${p.name}=${v}`); // a choice: L-BFGS's line_search_fn=strong_wolfe
    }
  }
  return [label, ...parts].join(", ");
}

/** A run's name on the charts: its own label, else optimizer (and inner one) and schedule. */
export function runName(catalog, run) {
  if (!run) return "";
  if (run.label) return String(run.label);
  let name = optimizerName(catalog, run);
  if (run.inner) name += ` [${optimizerName(catalog, run.inner)}]`;
  if (run.schedule && run.schedule.name) {
    const s = catalog.schedules.find((x) => x.name === run.schedule.name);
    name += ` + ${s ? tc(s, "label") || s.name : run.schedule.name}`;
  }
  return name;
}

/** Names of all runs, with "(k)" added where two runs would read the same. */
export function runNames(catalog, runs) {
  const names = runs.map((r) => runName(catalog, r));
  return names.map((n, i) => (names.indexOf(n) !== names.lastIndexOf(n) ? `${n} (${i + 1})` : n));
}

/** Draw a run's legend swatch (its line in its dash with its marker symbol) on a canvas. */
export function drawSwatch(ctx, color, i, w = 30, hgt = 12) {
  const { dash, symbol } = runMarks(i);
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = 2;
  ctx.setLineDash(dash.canvas.map((d) => d * 1.2));
  ctx.beginPath();
  ctx.moveTo(1, hgt / 2);
  ctx.lineTo(w - 1, hgt / 2);
  ctx.stroke();
  ctx.setLineDash([]);
  drawSymbol(ctx, symbol, w / 2, hgt / 2, 4, color);
}

/** One of SYMBOLS at (x, y) with radius r, filled in `color` with a white edge. */
export function drawSymbol(ctx, symbol, x, y, r, color, edge = "#ffffff") {
  ctx.save();
  ctx.beginPath();
  const poly = (pts) => {
    pts.forEach(([a, b], k) => (k ? ctx.lineTo(x + a * r, y + b * r) : ctx.moveTo(x + a * r, y + b * r)));
    ctx.closePath();
  };
  const t = 0.38;
  switch (symbol) {
    case "square": poly([[-0.85, -0.85], [0.85, -0.85], [0.85, 0.85], [-0.85, 0.85]]); break;
    case "diamond": poly([[0, -1.15], [1.15, 0], [0, 1.15], [-1.15, 0]]); break;
    case "triangle-up": poly([[0, -1.15], [1.05, 0.8], [-1.05, 0.8]]); break;
    case "triangle-down": poly([[0, 1.15], [1.05, -0.8], [-1.05, -0.8]]); break;
    case "cross": poly([[-t, -1], [t, -1], [t, -t], [1, -t], [1, t], [t, t], [t, 1], [-t, 1], [-t, t], [-1, t], [-1, -t], [-t, -t]]); break;
    case "x": poly([[-1, -0.6], [-0.6, -1], [0, -0.4], [0.6, -1], [1, -0.6], [0.4, 0], [1, 0.6], [0.6, 1], [0, 0.4], [-0.6, 1], [-1, 0.6], [-0.4, 0]]); break;
    case "star": {
      const pts = [];
      for (let k = 0; k < 10; k += 1) {
        const rr = k % 2 ? 0.5 : 1.25;
        const a = -Math.PI / 2 + (k * Math.PI) / 5;
        pts.push([rr * Math.cos(a), rr * Math.sin(a)]);
      }
      poly(pts);
      break;
    }
    default: ctx.arc(x, y, r, 0, Math.PI * 2);
  }
  ctx.fillStyle = color;
  ctx.fill();
  if (edge) {
    ctx.lineWidth = 1.3;
    ctx.strokeStyle = edge;
    ctx.stroke();
  }
  ctx.restore();
}
