// Companion paths: the points an optimizer keeps beside its iterate (ASGD's average,
// Schedule-Free's y and z, SAM's perturbed point), named in the catalog by a state quantity with
// `path: true` and streamed as state.<name>.{x,y}. Each is drawn on the contour as a thin dashed
// line in its run's colour with a hollow marker at the current step, named in the contour's
// legend; one toggle (p.companions) shows or hides them all.

import { tc } from "./i18n.js";
import { latexToText } from "./math.js";

// Hollow marks, one per companion of a run, none of them a run's own filled symbol.
const SHAPES = ["ring", "box", "rhomb"];
const DASH = [2, 3];

/** The catalog's path quantities of a run (its optimizer's, then its inner optimizer's). */
function pathStates(catalog, run) {
  const out = [];
  const seen = new Set();
  for (const name of [run.optimizer, run.inner && run.inner.optimizer]) {
    const spec = name && catalog.optimizers.find((o) => o.name === name);
    for (const s of (spec && spec.state) || []) {
      if (s.path && !seen.has(s.name)) {
        seen.add(s.name);
        out.push(s);
      }
    }
  }
  return out;
}

/** Per run, its companions [{name, text, shape}] ([] for every run when they are switched off). */
export function companionsOf(catalog, runs, on = true) {
  return runs.map((run) => (on && catalog ? pathStates(catalog, run) : []).map((s, k) => ({
    name: s.name,
    shape: SHAPES[k % SHAPES.length],
    text: `${companionName(s)} (${tc(s, "help").split(/[:：;；]/)[0].trim()})`,
  })));
}

/** Does any of the runs have a companion path in the catalog? */
export function anyCompanion(catalog, runs) {
  return runs.some((run) => pathStates(catalog, run).length > 0);
}

/** A hollow mark (ring, box or rhomb) of radius r: white under, the colour over. */
export function companionMark(ctx, shape, x, y, r, color) {
  ctx.save();
  const path = () => {
    ctx.beginPath();
    if (shape === "box") ctx.rect(x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7);
    else if (shape === "rhomb") {
      ctx.moveTo(x, y - r * 1.15);
      ctx.lineTo(x + r * 1.15, y);
      ctx.lineTo(x, y + r * 1.15);
      ctx.lineTo(x - r * 1.15, y);
      ctx.closePath();
    } else ctx.arc(x, y, r, 0, Math.PI * 2);
  };
  path();
  ctx.lineWidth = 4;
  ctx.strokeStyle = "#ffffff";
  ctx.stroke();
  path();
  ctx.lineWidth = 2;
  ctx.strokeStyle = color;
  ctx.stroke();
  ctx.restore();
}

/** A companion's legend swatch: its dashed line and its mark. */
export function companionSwatch(ctx, comp, color, w = 30, hgt = 12) {
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  ctx.setLineDash(DASH);
  ctx.beginPath();
  ctx.moveTo(1, hgt / 2);
  ctx.lineTo(w - 1, hgt / 2);
  ctx.stroke();
  ctx.setLineDash([]);
  companionMark(ctx, comp.shape, w / 2, hgt / 2, 3.5, color);
}

/**
 * Draw run `r`'s companion paths (`comps`) on `ctx`: `px(x)`, `py(y)` give pixels, `k` the line
 * scale (2 in presentation mode). A companion the stream did not bring is skipped.
 */
export function strokeCompanions(ctx, r, comps, color, px, py, k = 1) {
  for (const c of comps) {
    const s = r.state[c.name];
    if (!s) continue;
    ctx.save();
    ctx.strokeStyle = color;
    ctx.globalAlpha = 0.9;
    ctx.lineWidth = 1.2 * k;
    ctx.setLineDash(DASH.map((d) => d * k));
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < r.n; i += 1) {
      const x = s.x[i];
      const y = s.y[i];
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        pen = false;
        continue;
      }
      if (pen) ctx.lineTo(px(x), py(y));
      else ctx.moveTo(px(x), py(y));
      pen = true;
    }
    ctx.stroke();
    ctx.restore();
  }
}

/** Each companion's mark at `step` (its value after that step; none at step 0). */
export function markCompanions(ctx, r, comps, step, color, px, py, k = 1) {
  const i = Math.min(step, r.n) - 1;
  if (i < 0) return;
  for (const c of comps) {
    const s = r.state[c.name];
    if (!s || !Number.isFinite(s.x[i]) || !Number.isFinite(s.y[i])) continue;
    companionMark(ctx, c.shape, px(s.x[i]), py(s.y[i]), 5 * k, color);
  }
}

/** A companion's name and its symbol ("ax θ̄"), the name once when the symbol is the name ("y"). */
function companionName(s) {
  const symbol = s.symbol ? latexToText(s.symbol) : "";
  return symbol && symbol !== s.name ? `${s.name} ${symbol}` : s.name;
}
