// Words and marks that name what is drawn: each chart's run legend, the alerts under the
// contour, the contour's legend of marks, the state panel's quantity chips, and each run card's
// diverged note.

import { formatValue, h } from "./controls.js";
import { getLang, t, tc } from "./i18n.js";
import { renderMath } from "./math.js";
import { anyCompanion, companionSwatch } from "./companions.js";
import { SURFACE_MARKS, drawSwatch } from "./names.js";
import { $, app, pageChanged, style } from "./state.js";

/**
 * A legend of the visible runs (name, colour, dash, marker) at the top of each chart's card.
 * `pathsOnly`: only the contour shows this answer yet (a slider held), so only its legend takes
 * the runs' new names; the charts keep naming what they draw until they draw the new answer.
 */
export function renderRunLegends(ds, st, { pathsOnly = false } = {}) {
  const runs = ds ? ds.runs.map((r, i) => i).filter((i) => st.visible[i]) : [];
  // Only a divergence (and its step) shows: while an answer streams in, the legends stay.
  const comps = (i) => (st.companions && st.companions[i]) || [];
  const scalars = (i) => (st.lrScalars && st.lrScalars[i]) || [];
  // Built anew when what the items are changes; a run renamed (a slider moved: "Adam, lr=0.052")
  // only rewrites the names' text (no new swatches: a slider held renames at every move).
  const key = JSON.stringify([runs, runs.map((i) => [st.colors[i],
    ds.runs[i].status === "diverged" ? ds.runs[i].n : -1, comps(i).map((c) => c.text), scalars(i).map((s) => s.text)])]);
  const names = JSON.stringify(runs.map((i) => st.names[i]));
  if (key === renderRunLegends.key) {
    const boxes = pathsOnly ? [legendBox("contour-plot")] : LEGEND_CHARTS.map(legendBox);
    for (const box of boxes) {
      if (!box || box.dataset.names === names) continue;
      box.dataset.names = names;
      for (const el of box.querySelectorAll(".legend-item[data-run]")) {
        const label = el.querySelector(":scope > .run-name");
        const text = label && label.dataset.tail !== undefined ? st.names[Number(el.dataset.run)] + label.dataset.tail : null;
        if (text !== null && label.textContent !== text) label.textContent = text;
      }
    }
  } else {
    renderRunLegends.key = key;
    const items = (full, lr) => runs.map((i) => {
      const c = legendMark((ctx) => drawSwatch(ctx, st.colors[i], i));
      const r = ds.runs[i];
      const gone = goneText(r);
      // The contour's legend says it in words; the narrower charts' legends mark it with a cross.
      const mark = gone && (full ? ` ✕ ${gone}` : " ✕");
      const item = h("span", { class: "legend-item run-legend-item", dataset: { run: String(i) } }, c,
        h("span", { class: "run-name", text: st.names[i], dataset: { tail: "" } }),
        mark ? h("span", { class: "run-gone", text: mark, title: gone }) : null);
      // The contour's legend names each companion path drawn beside the run's own.
      if (lr) return [item, ...scalars(i).map((s) => scalarItem(s, st.colors[i], st.names[i], i))];
      return full ? [item, ...comps(i).map((cp) => companionItem(cp, st.colors[i], st.names[i], i))] : item;
    });
    for (const id of LEGEND_CHARTS) {
      const full = id === "contour-plot";
      const card = $(id).closest(".card");
      let box = legendBox(id);
      if (!box) {
        box = h("div", { class: "legend run-legend", "aria-label": t("section.runs") });
        const after = card.querySelector(":scope > .legend:not(.run-legend)") || card.querySelector(":scope > .card-head");
        after.after(box);
      }
      box.replaceChildren(...items(full, id === "lr-plot").flat());
      box.dataset.names = names;
    }
    const toggle = $("companions-toggle");
    if (toggle && ds) toggle.hidden = !anyCompanion(app.catalog, runs.map((i) => ds.config.runs[i]));
  }
  renderAlerts(ds, st);
}

/** A legend's mark (CSS px), drawn by `draw(ctx)` at twice the resolution (sharp on any screen). */
function legendMark(draw, width = 30, height = 12) {
  const c = h("canvas", { width: 2 * width, height: 2 * height, class: "legend-mark", "aria-hidden": "true" });
  c.style.width = `${width}px`;
  c.style.height = `${height}px`;
  const ctx = c.getContext("2d");
  ctx.scale(2, 2);
  draw(ctx);
  return c;
}

const LEGEND_CHARTS = ["contour-plot", "lr-plot", "loss-plot", "state-plot"];

/** The run legend of a chart's card (null before the first answer). */
function legendBox(id) {
  return $(id).closest(".card").querySelector(":scope > .run-legend");
}

/** A companion path's legend entry: "Adam, lr=0.05: ax θ̄ (averaged parameters)". */
function companionItem(comp, color, runName, i) {
  const c = legendMark((ctx) => companionSwatch(ctx, comp, color));
  return h("span", { class: "legend-item companion-legend-item", dataset: { run: String(i), companion: comp.name } },
    c, nameAnd(runName, `: ${comp.text}`));
}

/** An lr-chart scalar's legend entry: a dotted line, "Prodigy, lr=1: d (…)". */
function scalarItem(s, color, runName, i) {
  const c = legendMark((ctx) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.setLineDash([1.5, 3]);
    ctx.beginPath();
    ctx.moveTo(1, 6);
    ctx.lineTo(29, 6);
    ctx.stroke();
  });
  return h("span", { class: "legend-item scalar-legend-item", dataset: { run: String(i), scalar: s.name } },
    c, nameAnd(runName, `: ${t("plot.rightAxis", { text: s.text })}`));
}

/** A legend label: the run's name, then `tail` (kept apart so a renamed run rewrites the text). */
function nameAnd(runName, tail) {
  return h("span", { class: "run-name", text: runName + tail, dataset: { tail } });
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
    if (n === "effective_lr") {
      const q = app.catalog.quantities.find((c) => c.name === n);
      return { name: n, symbol: q.symbol, help: tc(q, "help"), scalar: false };
    }
    return { name: n, symbol: m ? m.symbol : n, help: m ? tc(m, "help") : n, scalar: Boolean(m && m.scalar),
      log: Boolean(m && m.log) };
  });
}

/** The state quantities the state view draws: all of them but those switched off. */
export function stateQuantities(ds, st) {
  return allQuantities(ds, st).filter((q) => !app.page.qoff.includes(q.name));
}

/** One chip per state quantity (its symbol; a checkbox shows or hides it), or why there is none. */
export function renderStateChips(ds, st) {
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
/** What ended a run early, in words ("" for a run that ran): a divergence at its step, or a
 * start where f is undefined (nothing was computed; the engine reports it as diverged at 0). */
function goneText(r) {
  if (r.status !== "diverged") return "";
  return r.n === 0 ? t("run.undefinedStart") : t("run.divergedAt", { n: r.n });
}

/** Each run card says whether its run diverged (and at which step) or could not start. */
export function updateRunStatus(ds) {
  ds.runs.forEach((r, i) => {
    const card = app.cards[i];
    const gone = goneText(r);
    if (card) card.setStatus(gone ? ` — ${gone}` : "");
  });
}
/** What the marks on the contour mean (drawn as small canvases in the marks' own style). */
export function renderLegend() {
  const box = $("contour-legend");
  const item = (draw, key) => h("span", { class: "legend-item", dataset: { mark: key } },
    legendMark(draw, 28, 14), h("span", { text: t(key) }));
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
    item((ctx) => star(ctx, ink, ink), "legend.globalMinimum"),
    item((ctx) => star(ctx, "#fff", ink), "legend.localMinimum"),
    item((ctx) => {
      ctx.strokeStyle = ink;
      ctx.lineWidth = 2;
      ctx.beginPath(); ctx.moveTo(10, 3); ctx.lineTo(18, 11); ctx.moveTo(18, 3); ctx.lineTo(10, 11); ctx.stroke();
    }, "legend.saddle"),
  );
  showMinimumMark();
}

/** The contour's star (as plots.js marks a minimum): `fill` inside, `edge` around. */
function star(ctx, fill, edge) {
  ctx.beginPath();
  for (let k = 0; k < 10; k += 1) {
    const r = k % 2 ? 2.6 : 6;
    const a = -Math.PI / 2 + (k * Math.PI) / 5;
    ctx.lineTo(14 + r * Math.cos(a), 7 + r * Math.sin(a));
  }
  ctx.closePath(); ctx.fillStyle = fill; ctx.fill(); ctx.strokeStyle = edge; ctx.lineWidth = 1.2; ctx.stroke();
}

/** Each of the legend's surface marks (global and local minimum, saddle point) only when the
 * drawn surface has one (all of them until its grid has come). */
export function showMinimumMark() {
  const marks = app.surface ? app.surface.minima || [] : null;
  for (const [kind, key] of Object.entries(SURFACE_MARKS)) {
    const item = document.querySelector(`#contour-legend [data-mark="${key}"]`);
    if (item) item.hidden = Boolean(marks) && !marks.some((m) => m.kind === kind);
  }
}
