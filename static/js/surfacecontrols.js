// The surface controls: the surface menu and its parameters, a formula of one's own (checked
// by the server as it is typed), the view box, and the start point (typed, clicked or dragged
// on the contour).

import { getConfig } from "./api.js";
import { defaults, h, paramList } from "./controls.js";
import { syncSurfaceInputs } from "./draw.js";
import { t, tc } from "./i18n.js";
import { keepMathFitted } from "./math.js";
import { $, app, onStateChange } from "./state.js";
import { configChanged } from "./stream.js";
import { renderTraining } from "./training.js";

const EXPRESSION = "__expression";

/** The surface menu, formula, description and parameters for the current config. */
export function renderSurfaceControls() {
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
/** Wire the surface menu, the formula box, the view box and the start inputs (once). */
export function bindSurfaceControls() {
  keepMathFitted($("surface-math")); // the formula under the menu follows the sidebar's width
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
export function onDragStart(x, y, final) {
  app.dragging = !final;
  setStart(x, y);
  if (final) onStateChange();
}

/** A new start point (rounded to 4 significant digits). */
export function setStart(x, y) {
  const round = (v) => Number(v.toPrecision(4));
  app.config.start = [round(x), round(y)];
  syncSurfaceInputs();
  configChanged();
}

/** The contour was zoomed or panned: its box becomes the config's view (when it moved). */
export function onViewChange(view) {
  const cur = app.config.surface.view;
  const round = (v) => Number(v.toPrecision(4));
  const next = view.map(round);
  if (cur && next.every((v, i) => Math.abs(v - cur[i]) <= 1e-9 * Math.max(1, Math.abs(v)))) return;
  app.config.surface.view = next;
  syncSurfaceInputs();
  configChanged();
}
