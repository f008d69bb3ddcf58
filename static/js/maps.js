// The maps card: a hyperparameter map (two hyperparameters of one run over a grid, coloured by the
// final loss or the steps to a threshold) and a basin-of-attraction map (one run from every cell
// of the view, coloured by the minimum it reaches, drawn over the contour). Both are streamed
// from /api/map/<kind> with progress, cancellable, and live in the address as the server's
// `hmap.*` / `basin.*` keys. Controls are built from the catalog (real-valued hyperparameters).

import { ApiError, isAbort, streamMap } from "./api.js";
import { PALETTE, formatValue, h } from "./controls.js";
import { extendStrings, t } from "./i18n.js";
import { isTouch } from "./layout.js";
import { SURFACE_MARKS } from "./names.js";
import { BASIN_COLORS, MAP_COLORS } from "./palette.js";
import { linearTicks, logTicks } from "./ticks.js";

const KINDS = ["hyper", "basin"];
const PREFIX = { hyper: "hmap.", basin: "basin." }; // the maps' keys in the address
const CELL_CHOICES = { hyper: [16, 32, 64, 96, 128], basin: [32, 64, 128, 192, 256] };
const RECOMPUTE_DELAY = 400; // ms after the configuration settles
const Plotly = () => window.Plotly;
const FONT = { family: "system-ui, -apple-system, 'Segoe UI', 'Noto Sans SC', sans-serif", size: 11, color: "#1f2933" };
const LOSS_SCALE = "Viridis";
// The cells' colours (diverged, never reaching the threshold, still moving: transparent, the
// contour shows through) and the basins' light tones, none of them a run colour: the catalog's
// palette (palette.js).
export { BASIN_COLORS };
const BASIN_OPACITY = 0.75;

extendStrings({
  en: {
    "maps.run": "Run",
    "maps.x": "x axis",
    "maps.y": "y axis",
    "maps.min": "from",
    "maps.max": "to",
    "maps.scale": "spacing",
    "maps.cells": "cells",
    "maps.param": "hyperparameter",
    "maps.err.number": "must be a finite number",
    "maps.err.range": "must be {range}",
    "maps.err.order": "must be greater than from ({min})",
    "maps.err.log": "a log axis needs from > 0",
    "maps.err.beta": "a 1 − β axis needs to < 1",
    "maps.err.steps": "a map runs at most {n} steps per cell on this server: lower the steps",
    "maps.metric": "Colour by",
    "maps.metric.final_loss": "final loss",
    "maps.metric.steps_to_threshold": "steps to reach the threshold",
    "maps.threshold": "Loss threshold",
    "maps.thresholdHint": "empty: the lowest known minimum + 0.001",
    "maps.auto": "auto",
    "maps.color.minimum": "the minimum reached",
    "maps.color.final_loss": "final loss",
    "maps.overlay": "Show over the contour",
    "maps.compute": "Compute",
    "maps.cancel": "Cancel",
    "maps.clear": "Clear",
    "maps.progress": "{pct}% of {total} run-steps",
    "maps.done": "{cells} cells × {steps} steps in {secs} s.",
    "maps.cancelled": "Cancelled.",
    "maps.stale": "The configuration changed; recomputing…",
    "maps.clickHint": "Click a cell to load its values into the run.",
    "maps.tapHint": "Tap a cell to load its values into the run.",
    "maps.basinHint": "Each cell is one run started from its centre, coloured by where it ends. Click the contour to start the runs from a cell.",
    "maps.basinTapHint": "Each cell is one run started from its centre, coloured by where it ends. Tap the contour to start the runs from a cell.",
    "maps.diverged": "diverged",
    "maps.never": "never reached",
    "maps.unsettled": "still moving",
    "maps.found": "found",
    "maps.known": "known",
    "maps.cellsOf": "{n} cells",
    "maps.cellOf": "1 cell",
    "maps.hover.loss": "final loss",
    "maps.hover.steps": "steps",
    "maps.scale.linear": "linear",
    "maps.scale.log": "log",
    "maps.scale.beta": "1 − β (log)",
    "maps.noParams": "This optimizer has fewer than two real-valued hyperparameters.",
  },
  zh: {
    "maps.run": "运行",
    "maps.x": "横轴",
    "maps.y": "纵轴",
    "maps.min": "从",
    "maps.max": "到",
    "maps.scale": "间隔",
    "maps.cells": "格数",
    "maps.param": "超参数",
    "maps.err.number": "必须是有限数",
    "maps.err.range": "必须是 {range}",
    "maps.err.order": "必须大于起点（{min}）",
    "maps.err.log": "对数轴要求起点 > 0",
    "maps.err.beta": "1 − β 轴要求终点 < 1",
    "maps.err.steps": "本服务器的全局图每格最多计算 {n} 步：请减少步数",
    "maps.metric": "着色依据",
    "maps.metric.final_loss": "最终损失",
    "maps.metric.steps_to_threshold": "达到阈值所需步数",
    "maps.threshold": "损失阈值",
    "maps.thresholdHint": "留空：已知最低极小值 + 0.001",
    "maps.auto": "自动",
    "maps.color.minimum": "到达的极小值",
    "maps.color.final_loss": "最终损失",
    "maps.overlay": "叠加在等高线图上",
    "maps.compute": "计算",
    "maps.cancel": "取消",
    "maps.clear": "清除",
    "maps.progress": "{total} 运行步中已完成 {pct}%",
    "maps.done": "{cells} 格 × {steps} 步，用时 {secs} 秒。",
    "maps.cancelled": "已取消。",
    "maps.stale": "配置已改变，正在重新计算…",
    "maps.clickHint": "点击一格，把它的取值载入该运行。",
    "maps.tapHint": "轻点一格，把它的取值载入该运行。",
    "maps.basinHint": "每一格是从格中心出发的一次运行，按终点着色。点击等高线图可从该处出发。",
    "maps.basinTapHint": "每一格是从格中心出发的一次运行，按终点着色。轻点等高线图可从该处出发。",
    "maps.diverged": "发散",
    "maps.never": "未达到",
    "maps.unsettled": "仍在移动",
    "maps.found": "运行找到",
    "maps.known": "已知",
    "maps.cellsOf": "{n} 格",
    "maps.cellOf": "1 格",
    "maps.hover.loss": "最终损失",
    "maps.hover.steps": "步数",
    "maps.scale.linear": "线性",
    "maps.scale.log": "对数",
    "maps.scale.beta": "1 − β（对数）",
    "maps.noParams": "该优化器的实数超参数少于两个。",
  },
});

/** Split the address's map keys by kind: {hyper: "hmap.x=...&...", basin: "..."}. */
export function mapParts(query) {
  const out = { hyper: "", basin: "" };
  for (const part of query.replace(/^\?/, "").split("&")) {
    const kind = KINDS.find((k) => part.startsWith(PREFIX[k]));
    if (kind) out[kind] += (out[kind] ? "&" : "") + part;
  }
  return out;
}

/**
 * What a map depends on, from the configuration's canonical query: a hyperparameter map does not
 * depend on its run's own values of the two swept hyperparameters (clicking a cell changes them),
 * a basin map not on the start point (its cells are the starts).
 */
export function mapConfigKey(kind, canonical, spec) {
  const parts = canonical.split("&").filter(Boolean);
  if (kind === "basin") return parts.filter((p) => !p.startsWith("start=")).join("&");
  if (!spec || !spec.x) return canonical;
  const swept = [spec.x.param, spec.y.param];
  const own = new RegExp(`^r${spec.run}(\\.inner)?=`);
  return parts.map((p) => {
    if (!own.test(p)) return p;
    const [key, value] = [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)];
    const items = value.split(",").filter((item) => !swept.some((name) => item.startsWith(`${name}=`)));
    return `${key}=${items.join(",")}`;
  }).join("&");
}

/** Real-valued hyperparameters of a run: [{name, spec, path}] (a wrapper's, then its inner's). */
function mapParams(catalog, run) {
  const byName = new Map(catalog.optimizers.map((o) => [o.name, o]));
  const out = [];
  const seen = new Set();
  const add = (opt, path) => {
    for (const p of (opt ? opt.params : [])) {
      if (p.type === "float" && !seen.has(p.name)) {
        seen.add(p.name);
        out.push({ name: p.name, spec: p, path });
      }
    }
  };
  add(byName.get(run.optimizer), "params");
  if (run.inner) add(byName.get(run.inner.optimizer), "inner.params");
  return out;
}

function momentumName(catalog, run) {
  const opt = catalog.optimizers.find((o) => o.name === (run.inner ? run.inner.optimizer : run.optimizer));
  return opt ? opt.momentum_name : null;
}

function defaultAxis(param, cells) {
  const s = param.spec;
  let lo = Number.isFinite(s.slider_min) ? s.slider_min : s.min;
  let hi = Number.isFinite(s.slider_max) ? s.slider_max : s.max;
  if (s.scale === "log" && !(lo > 0)) lo = hi / 1e4;
  if (s.scale === "beta") {
    lo = 0.5;
    hi = Math.min(hi, 0.9999);
  }
  const scale = ["linear", "log", "beta"].includes(s.scale) ? s.scale : "linear";
  return { param: param.name, min: lo, max: hi, scale, cells };
}

/** Where a value sits along an axis, 0 at `min` and 1 at `max`, in the axis's spacing
 * (log: geometric; beta: geometric in 1 - value), as app/engine/maps.py spaces the cells. */
export function axisFraction(axis, v) {
  if (axis.scale === "log") return Math.log(v / axis.min) / Math.log(axis.max / axis.min);
  if (axis.scale === "beta") return Math.log((1 - v) / (1 - axis.min)) / Math.log((1 - axis.max) / (1 - axis.min));
  return (v - axis.min) / (axis.max - axis.min);
}

/** The value at fraction `f` along an axis (the inverse of axisFraction). */
export function axisValue(axis, f) {
  if (axis.scale === "log") return axis.min * (axis.max / axis.min) ** f;
  if (axis.scale === "beta") return 1 - (1 - axis.min) * ((1 - axis.max) / (1 - axis.min)) ** f;
  return axis.min + f * (axis.max - axis.min);
}

/** Value -> fractional cell index along an axis (for the run's marker and the ticks). */
function fractionalIndex(axis, v) {
  return axisFraction(axis, v) * (axis.cells - 1);
}

/** The values cell `i` of an axis covers: [lo, hi], half a cell either side of its centre,
 * cut at the axis's ends. */
export function cellBounds(axis, i) {
  const n = axis.cells - 1;
  const a = axisValue(axis, Math.max(i - 0.5, 0) / n);
  const b = axisValue(axis, Math.min(i + 0.5, n) / n);
  return [Math.min(a, b), Math.max(a, b)];
}

/** The number with the fewest significant digits in [lo, hi] (the one nearest `near` among
 * equals): a clicked cell loads `0.000645`, not `0.000644946677103762`. */
export function shortestIn(lo, hi, near = (lo + hi) / 2) {
  if (!(hi >= lo)) return near;
  const top = Math.max(Math.abs(lo), Math.abs(hi));
  if (lo <= 0 && hi >= 0) return 0;
  const e = Math.floor(Math.log10(top));
  for (let p = 1; p <= 17; p += 1) {
    const digits = e - p + 1;
    const q = 10 ** digits;
    const k0 = Math.ceil(lo / q - 1e-9);
    const k1 = Math.floor(hi / q + 1e-9);
    if (k0 > k1) continue;
    const k = Math.min(Math.max(Math.round(near / q), k0), k1);
    const v = Number((digits < 0 ? k / 10 ** -digits : k * q).toPrecision(p + 1));
    if (v >= lo && v <= hi) return v;
  }
  return near;
}

/** Round tick values of an axis in its spacing: log axes at 1e-5, 1e-4, ...; a beta axis on
 * its 1 - beta scale at 0.5, 0.9, 0.99, 0.999 (1 - beta at 0.5 and powers of ten). */
export function axisTicks(axis) {
  if (axis.scale === "log") return logTicks(axis.min, axis.max);
  if (axis.scale === "beta") {
    const u = logTicks(1 - axis.max, 1 - axis.min);
    const half = 1 - axis.min >= 0.5 && 1 - axis.max <= 0.5 && !u.includes(0.5) && u.every((x) => x <= 0.1 || x >= 1) ? [0.5] : [];
    return [...new Set([...u, ...half].map((x) => Number((1 - x).toPrecision(12))))].sort((a, b) => a - b);
  }
  return linearTicks(axis.min, axis.max);
}

/** A value for a hover label: 4 significant digits. */
const fmt4 = (v) => (typeof v === "number" && Number.isFinite(v) ? formatValue(Number(v.toPrecision(4))) : formatValue(v));

function stepColorscale(colors) {
  const n = colors.length;
  const out = [];
  colors.forEach((c, i) => {
    out.push([i / n, c], [(i + 1) / n, c]);
  });
  return out;
}

const basinColor = (i) => BASIN_COLORS[i % BASIN_COLORS.length];

const fmtSecs = (ms) => (ms / 1000).toFixed(2);

/** "12 cells", "1 cell". */
const cells = (n) => (n === 1 ? t("maps.cellOf") : t("maps.cellsOf", { n }));

/** A basin's name in the legend: a surface's minimum by its kind and place ("global minimum
 * (-2.904, -2.904)", as the contour's stars mark it), one the runs found by its place. */
function basinLabel(b) {
  const where = `(${formatValue(Number(b.x.toPrecision(4)))}, ${formatValue(Number(b.y.toPrecision(4)))})`;
  if (!b.known) return `${where} ${t("maps.found")}`;
  const key = SURFACE_MARKS[b.kind]; // the surface's mark: global or local minimum, saddle point
  return key ? `${t(key)} ${where}` : `${where} ${t("maps.known")}`;
}

export class MapsPanel {
  /**
   * host: {catalog, config(), canonical(), contour, colorOf(i), runLabel(i),
   *        setRunParam(run, path, name, value), onQueryChange(), showErrors(details)}
   */
  constructor(root, host) {
    this.root = root;
    this.host = host;
    this.tab = "hyper";
    this.maps = {};
    for (const kind of KINDS) {
      this.maps[kind] = { spec: null, data: null, controller: null, query: "", status: "",
        canonical: null, timer: 0, pending: "", t0: 0 };
    }
    this.overlay = true;
    this.drawQueued = false;
  }

  /** Map keys read from the address at load: computed once the configuration is known. */
  setInitial(query) {
    const parts = mapParts(query);
    for (const kind of KINDS) {
      if (parts[kind]) {
        this.maps[kind].pending = parts[kind];
        this.maps[kind].query = parts[kind];
      }
    }
    if (!parts.hyper && parts.basin) this.tab = "basin";
  }

  /** The maps' part of the address: the server's canonical keys of each computed map. */
  query() {
    return KINDS.map((k) => this.maps[k].query).filter(Boolean).join("&");
  }

  /** The configuration's canonical query changed (a trajectory start record arrived). */
  onConfig(canonical) {
    for (const kind of KINDS) {
      const m = this.maps[kind];
      if (m.pending) {
        const keys = m.pending;
        m.pending = "";
        this.computeFromQuery(kind, canonical, keys);
      } else if (m.spec && m.canonical !== null && m.canonical !== mapConfigKey(kind, canonical, m.spec)) {
        clearTimeout(m.timer);
        m.status = t("maps.stale");
        this.renderStatus(kind);
        m.timer = setTimeout(() => this.compute(kind), RECOMPUTE_DELAY);
      }
    }
  }

  // ---------------------------------------------------------------- controls

  render() {
    const root = this.root;
    root.replaceChildren();
    const tabs = h("div", { class: "segmented maps-tabs", role: "group" },
      ...KINDS.map((kind) => {
        const b = h("button", { type: "button", id: `maps-tab-${kind}`, "aria-pressed": String(this.tab === kind),
          text: t(`maps.${kind}`) });
        b.addEventListener("click", () => {
          this.tab = kind;
          this.render();
        });
        return b;
      }));
    root.appendChild(tabs);
    if (this.tab === "hyper") this.renderHyper(root);
    else this.renderBasin(root);
  }

  runSelect(kind, onChange) {
    const cfg = this.host.config();
    const m = this.maps[kind];
    const current = Math.min(m.spec ? m.spec.run : 0, cfg.runs.length - 1);
    const sel = h("select", { id: `${kind}-run` },
      ...cfg.runs.map((_, i) => h("option", { value: String(i), text: `${i + 1}: ${this.host.runLabel(i)}` })));
    sel.value = String(current);
    sel.addEventListener("change", () => onChange(Number(sel.value)));
    return h("label", { class: "maps-field" }, h("span", { text: t("maps.run") }), sel);
  }

  hyperSpec() {
    const m = this.maps.hyper;
    const cfg = this.host.config();
    const run = Math.min(m.spec ? m.spec.run : 0, cfg.runs.length - 1);
    const params = mapParams(this.host.catalog, cfg.runs[run]);
    const names = params.map((p) => p.name);
    let spec = m.spec ? { ...m.spec, run } : null;
    if (!spec || !names.includes(spec.x.param) || !names.includes(spec.y.param)) {
      if (params.length < 2) return { spec: null, params };
      const mom = momentumName(this.host.catalog, cfg.runs[run]);
      const x = params.find((p) => p.name === "lr") || params[0];
      const y = params.find((p) => p.name === mom && p !== x) || params.find((p) => p !== x);
      spec = { run, x: defaultAxis(x, 64), y: defaultAxis(y, 64), metric: "final_loss", threshold: null };
    }
    return { spec, params };
  }

  renderHyper(root) {
    const { spec, params } = this.hyperSpec();
    const m = this.maps.hyper;
    const form = h("div", { class: "maps-form" });
    form.appendChild(this.runSelect("hyper", (run) => {
      m.spec = { ...(m.spec || {}), run, x: { param: "" }, y: { param: "" } };
      this.render();
    }));
    if (!spec) {
      root.appendChild(form);
      root.appendChild(h("p", { class: "help", text: t("maps.noParams") }));
      return;
    }
    m.spec = spec;
    for (const key of ["x", "y"]) form.appendChild(this.axisControls(spec, key, params));
    const metric = h("select", { id: "hyper-metric" },
      ...this.host.catalog.maps.metrics.map((k) => h("option", { value: k, text: t(`maps.metric.${k}`) })));
    metric.value = spec.metric;
    metric.addEventListener("change", () => {
      spec.metric = metric.value;
      this.drawHyper();
    });
    const threshold = h("input", { id: "hyper-threshold", type: "number", step: "any",
      placeholder: t("maps.auto"), title: t("maps.thresholdHint"), value: spec.threshold ?? "" });
    threshold.addEventListener("change", () => {
      const v = threshold.value.trim();
      spec.threshold = v === "" ? null : Number(v);
    });
    form.appendChild(h("label", { class: "maps-field" }, h("span", { text: t("maps.metric") }), metric));
    form.appendChild(h("label", { class: "maps-field" }, h("span", { text: t("maps.threshold") }), threshold));
    root.appendChild(form);
    root.appendChild(this.actions("hyper"));
    root.appendChild(h("p", { class: "help", text: t(isTouch() ? "maps.tapHint" : "maps.clickHint") }));
    const plot = h("div", { class: "plot maps-plot", id: "hyper-plot" });
    root.appendChild(plot);
    this.hyperPlot = plot;
    this.drawHyper();
  }

  axisControls(spec, key, params) {
    const axis = spec[key];
    const other = spec[key === "x" ? "y" : "x"];
    const param = h("select", { id: `hyper-${key}-param`, "aria-label": `${t(`maps.${key}`)}: ${t("maps.param")}` },
      ...params.filter((p) => p.name !== other.param || p.name === axis.param)
        .map((p) => h("option", { value: p.name, text: p.name })));
    param.value = axis.param;
    param.addEventListener("change", () => {
      const p = params.find((q) => q.name === param.value);
      spec[key] = defaultAxis(p, axis.cells);
      this.render();
    });
    const num = (name) => {
      const input = h("input", { id: `hyper-${key}-${name}`, type: "number", step: "any", value: String(axis[name]) });
      input.addEventListener("change", () => {
        const v = Number(input.value);
        if (input.value.trim() !== "" && Number.isFinite(v)) axis[name] = v;
      });
      return input;
    };
    const scale = h("select", { id: `hyper-${key}-scale` },
      ...this.host.catalog.maps.scales.map((s) => h("option", { value: s, text: t(`maps.scale.${s}`) })));
    scale.value = axis.scale;
    scale.addEventListener("change", () => {
      axis.scale = scale.value;
    });
    const cells = h("select", { id: `hyper-${key}-cells` },
      ...[...new Set([...CELL_CHOICES.hyper, axis.cells])].sort((a, b) => a - b)
        .filter((n) => n <= this.host.catalog.limits.max_map_cells)
        .map((n) => h("option", { value: String(n), text: String(n) })));
    cells.value = String(axis.cells);
    cells.addEventListener("change", () => {
      axis.cells = Number(cells.value);
    });
    return h("fieldset", { class: "maps-axis", "data-field": `map.${key}` },
      h("legend", { text: t(`maps.${key}`) }),
      param,
      h("label", {}, h("span", { text: t("maps.min") }), num("min")),
      h("label", {}, h("span", { text: t("maps.max") }), num("max")),
      h("label", {}, h("span", { text: t("maps.scale") }), scale),
      h("label", {}, h("span", { text: t("maps.cells") }), cells));
  }

  renderBasin(root) {
    const m = this.maps.basin;
    const cfg = this.host.config();
    const spec = m.spec || { run: 0, cells: [128, 128], color: "minimum" };
    spec.run = Math.min(spec.run, cfg.runs.length - 1);
    m.spec = spec;
    const form = h("div", { class: "maps-form" });
    form.appendChild(this.runSelect("basin", (run) => {
      spec.run = run;
    }));
    const cells = h("select", { id: "basin-cells" },
      ...CELL_CHOICES.basin.filter((n) => n <= this.host.catalog.limits.max_basin_cells)
        .map((n) => h("option", { value: String(n), text: `${n} × ${n}` })));
    cells.value = String(spec.cells[0]);
    cells.addEventListener("change", () => {
      spec.cells = [Number(cells.value), Number(cells.value)];
    });
    const color = h("select", { id: "basin-color" },
      ...this.host.catalog.maps.basin_colors.map((k) => h("option", { value: k, text: t(`maps.color.${k}`) })));
    color.value = spec.color;
    color.addEventListener("change", () => {
      spec.color = color.value;
      this.drawBasin();
    });
    const overlay = h("input", { id: "basin-overlay", type: "checkbox", checked: this.overlay });
    overlay.addEventListener("change", () => {
      this.overlay = overlay.checked;
      this.drawBasin();
    });
    form.appendChild(h("label", { class: "maps-field" }, h("span", { text: t("maps.cells") }), cells));
    form.appendChild(h("label", { class: "maps-field" }, h("span", { text: t("maps.metric") }), color));
    form.appendChild(h("label", { class: "inline" }, overlay, h("span", { text: t("maps.overlay") })));
    root.appendChild(form);
    root.appendChild(this.actions("basin"));
    root.appendChild(h("p", { class: "help", text: t(isTouch() ? "maps.basinTapHint" : "maps.basinHint") }));
    this.drawBasin();
  }

  actions(kind) {
    const m = this.maps[kind];
    const compute = h("button", { type: "button", id: `${kind}-compute`, text: t("maps.compute") });
    compute.addEventListener("click", () => this.compute(kind));
    const cancel = h("button", { type: "button", id: `${kind}-cancel`, text: t("maps.cancel"),
      disabled: !m.controller });
    cancel.addEventListener("click", () => this.cancel(kind));
    const clear = h("button", { type: "button", id: `${kind}-clear`, text: t("maps.clear"),
      disabled: !m.data && !m.query });
    clear.addEventListener("click", () => this.clear(kind));
    const progress = h("progress", { id: `${kind}-progress`, max: 1, value: m.data ? m.data.done / Math.max(m.data.total, 1) : 0 });
    const status = h("span", { class: "help maps-status", id: `${kind}-status`, role: "status", text: m.status });
    const error = h("p", { class: "error", id: `${kind}-error` });
    this.controls = this.controls || {};
    this.controls[kind] = { compute, cancel, clear, progress, status, error };
    return h("div", { class: "maps-actions" }, compute, cancel, clear, progress, status, error);
  }

  renderStatus(kind) {
    const c = this.controls && this.controls[kind];
    if (!c || !c.status.isConnected) return;
    const m = this.maps[kind];
    c.status.textContent = m.status;
    c.cancel.disabled = !m.controller;
    c.clear.disabled = !m.data && !m.query;
    c.progress.value = m.data ? m.data.done / Math.max(m.data.total, 1) : 0;
  }

  // ---------------------------------------------------------------- computing

  cancel(kind) {
    const m = this.maps[kind];
    clearTimeout(m.timer);
    if (m.controller) {
      m.controller.abort();
      m.controller = null;
      m.status = t("maps.cancelled");
      this.renderStatus(kind);
      this.announce(); // an incomplete map is no longer offered for export
    }
  }

  clear(kind) {
    this.cancel(kind);
    const m = this.maps[kind];
    m.data = null;
    m.query = "";
    m.canonical = null;
    m.status = "";
    if (kind === "basin") this.host.contour.setOverlay(null);
    this.host.onQueryChange();
    this.render();
    this.announce();
  }

  /** Tell the page a map was completed or cleared (the Export menu offers what is complete). */
  announce() {
    document.dispatchEvent(new CustomEvent("optviz:maps"));
  }

  /** The first problem of a hyperparameter map's axes, checked against the catalog before
   * anything is sent ({field, msg}), or null. The server checks again. */
  checkHyper(spec) {
    const run = this.host.config().runs[spec.run];
    const params = mapParams(this.host.catalog, run);
    for (const key of ["x", "y"]) {
      const axis = spec[key];
      const p = params.find((q) => q.name === axis.param);
      if (!p) continue;
      const lo = p.spec.min;
      const hi = p.spec.max;
      for (const end of ["min", "max"]) {
        const v = axis[end];
        const field = `map.${key}.${end}`;
        if (typeof v !== "number" || !Number.isFinite(v)) return { field, msg: t("maps.err.number") };
        const below = lo !== null && (v < lo || (p.spec.min_open && v === lo));
        const above = hi !== null && (v > hi || (p.spec.max_open && v === hi));
        if (below || above) return { field, msg: t("maps.err.range", { range: p.spec.range }) };
      }
      if (!(axis.max > axis.min)) return { field: `map.${key}.max`, msg: t("maps.err.order", { min: axis.min }) };
      if (axis.scale === "log" && !(axis.min > 0)) return { field: `map.${key}.min`, msg: t("maps.err.log") };
      if (axis.scale === "beta" && !(axis.max < 1)) return { field: `map.${key}.max`, msg: t("maps.err.beta") };
    }
    if (spec.threshold !== null && spec.threshold !== undefined && !Number.isFinite(spec.threshold)) {
      return { field: "map.threshold", msg: t("maps.err.number") };
    }
    return null;
  }

  compute(kind) {
    const m = this.maps[kind];
    const most = this.host.catalog.limits.max_map_steps; // the server's limit, from the catalog
    if (this.host.config().steps > most) {
      const c = this.controls && this.controls[kind];
      if (c) c.error.textContent = `steps: ${t("maps.err.steps", { n: most })}`;
      return;
    }
    if (kind === "hyper") {
      this.hyperSpec();
      const problem = m.spec && this.checkHyper(m.spec);
      if (problem) {
        const c = this.controls && this.controls[kind];
        if (c) c.error.textContent = `${problem.field}: ${problem.msg}`;
        return;
      }
    }
    const spec = structuredClone(m.spec);
    const body = { config: structuredClone(this.host.config()), map: spec };
    if (kind === "hyper" && spec.threshold === null) delete spec.threshold;
    if (kind === "basin") delete spec.view;
    this.run(kind, { body });
  }

  computeFromQuery(kind, canonical, keys) {
    this.run(kind, { query: canonical ? `${canonical}&${keys}` : keys });
  }

  async run(kind, request) {
    const m = this.maps[kind];
    clearTimeout(m.timer);
    if (m.controller) m.controller.abort();
    const controller = new AbortController();
    m.controller = controller;
    m.t0 = performance.now();
    m.status = "";
    if (this.controls && this.controls[kind]) this.controls[kind].error.textContent = "";
    this.renderStatus(kind);
    let data = null;
    try {
      await streamMap(kind, request, {
        signal: controller.signal,
        onRecord: (rec) => {
          if (m.controller !== controller) return;
          if (rec.type === "start") {
            data = { start: rec, done: 0, total: rec.total, rows: {}, basins: [], complete: false };
            m.data = data;
            m.spec = structuredClone(rec.map);
            const askedThreshold = request.body ? "threshold" in request.body.map
              : /(^|&)hmap\.threshold=/.test(request.query);
            if (kind === "hyper" && !askedThreshold) m.spec.threshold = null; // keep "the default"
            m.canonical = mapConfigKey(kind, this.host.canonical(), rec.map);
            m.query = mapParts(rec.query)[kind];
            this.host.onQueryChange();
            this.announce(); // the new map is not complete yet
            if (this.tab === kind) this.render();
          } else if (rec.type === "progress") {
            data.done = rec.done;
            m.status = t("maps.progress", { pct: Math.floor((100 * rec.done) / rec.total), total: rec.total.toExponential(1) });
            this.renderStatus(kind);
          } else if (rec.type === "rows") {
            for (const [name, rows] of Object.entries(rec)) {
              if (!Array.isArray(rows) || name === "basins") continue;
              const target = data.rows[name] || (data.rows[name] = []);
              rows.forEach((row, k) => {
                target[rec.first + k] = row;
              });
            }
            if (rec.basins) data.basins.push(...rec.basins);
            this.queueDraw(kind);
          } else if (rec.type === "end") {
            data.complete = true;
          }
        },
      });
      if (m.controller !== controller) return;
      m.controller = null;
      if (data) {
        data.done = data.total;
        const cells = data.start.x.length * data.start.y.length;
        m.status = t("maps.done", { cells, steps: data.start.steps, secs: fmtSecs(performance.now() - m.t0) });
      }
      this.renderStatus(kind);
      this.queueDraw(kind);
      this.announce();
    } catch (err) {
      if (m.controller === controller) m.controller = null;
      if (isAbort(err)) return;
      m.status = "";
      this.renderStatus(kind);
      const details = err instanceof ApiError ? err.details : [{ field: "", msg: String(err.message || err) }];
      const c = this.controls && this.controls[kind];
      if (c) c.error.textContent = details.map((d) => (d.field ? `${d.field}: ${d.msg}` : d.msg)).join("; ");
      this.host.showErrors(details);
    }
  }

  queueDraw(kind) {
    if (this.drawQueued) return;
    this.drawQueued = true;
    requestAnimationFrame(() => {
      this.drawQueued = false;
      if (kind === "basin" || this.maps.basin.data) this.drawBasin();
      if (this.tab === "hyper") this.drawHyper();
    });
  }

  /** The run's marker moves with its hyperparameters (a slider drag, a clicked cell). */
  refreshMarker() {
    if (this.tab === "hyper" && this.maps.hyper.data) this.drawHyper();
  }

  // ---------------------------------------------------------------- drawing

  drawHyper() {
    const plot = this.hyperPlot;
    if (!plot || !plot.isConnected || !Plotly()) return;
    const fig = this.hyperFigure();
    if (!fig) {
      Plotly().purge(plot);
      plot.classList.add("empty");
      return;
    }
    plot.classList.remove("empty");
    Plotly().react(plot, fig.traces, fig.layout, { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d", "toImage"] });
    if (!plot.dataset.bound) {
      plot.dataset.bound = "1";
      plot.on("plotly_click", (ev) => this.onHyperClick(ev));
    }
  }

  /**
   * The hyperparameter map as drawn in the card, {traces, layout, legend, metric}, or null
   * before any data; the Export menu saves it as an image. `legend`: what the colours mean
   * ([{label, color, ring}]: diverged and never-reached cells when there are any, the run's
   * marker); `metric`: what the colour scale shows.
   */
  hyperFigure() {
    const m = this.maps.hyper;
    const data = m.data;
    if (!data) return null;
    const { start } = data;
    const spec = start.map;
    const nx = start.x.length;
    const ny = start.y.length;
    const metric = m.spec && m.spec.metric ? m.spec.metric : spec.metric;
    const loss = data.rows.final_loss || [];
    const reach = data.rows.reach || [];
    const div = data.rows.diverged || [];
    const z = [];
    const zDiv = [];
    const zNever = [];
    const text = [];
    const count = { diverged: 0, never: 0 };
    let positive = true;
    for (let j = 0; j < ny; j += 1) {
      for (const v of loss[j] || []) if (v !== null && v <= 0) positive = false;
    }
    for (let j = 0; j < ny; j += 1) {
      const rowZ = [];
      const rowD = [];
      const rowN = [];
      const rowT = [];
      for (let i = 0; i < nx; i += 1) {
        const done = loss[j] !== undefined;
        const l = done ? loss[j][i] : null;
        const d = done ? div[j][i] : null;
        const r = done && reach[j] ? reach[j][i] : null;
        let v = null;
        if (done && d === null) {
          if (metric === "final_loss") v = positive ? Math.log10(l) : l;
          else v = r;
        }
        rowZ.push(v);
        rowD.push(done && d !== null ? 1 : null);
        rowN.push(done && d === null && metric !== "final_loss" && r === null ? 1 : null);
        if (rowD[i] !== null) count.diverged += 1;
        if (rowN[i] !== null) count.never += 1;
        const head = `${spec.x.param} = ${fmt4(start.x[i])}<br>${spec.y.param} = ${fmt4(start.y[j])}`;
        const body = !done ? "" : d !== null ? `${t("maps.diverged")} (${d})`
          : `${t("maps.hover.loss")} ${fmt4(l)}${r !== null ? `<br>${t("maps.hover.steps")} ${r}` : ""}`;
        rowT.push(`${head}<br>${body}`);
      }
      z.push(rowZ);
      zDiv.push(rowD);
      zNever.push(rowN);
      text.push(rowT);
    }
    const idx = (n) => Array.from({ length: n }, (_, i) => i);
    const ticks = (axis) => {
      const values = axisTicks(axis);
      return { tickmode: "array", tickvals: values.map((v) => fractionalIndex(axis, v)), ticktext: values.map(formatValue) };
    };
    const title = metric === "final_loss" ? (positive ? "log₁₀ loss" : "loss") : t("maps.hover.steps");
    const traces = [
      { type: "heatmap", x: idx(nx), y: idx(ny), z, text, hoverinfo: "text", colorscale: LOSS_SCALE,
        reversescale: false, colorbar: { thickness: 10, len: 0.9, title: { text: title, side: "right" } } },
      { type: "heatmap", x: idx(nx), y: idx(ny), z: zDiv, text, hoverinfo: "text", showscale: false,
        colorscale: [[0, MAP_COLORS.diverged], [1, MAP_COLORS.diverged]], name: t("maps.diverged") },
      { type: "heatmap", x: idx(nx), y: idx(ny), z: zNever, text, hoverinfo: "text", showscale: false,
        colorscale: [[0, MAP_COLORS.never], [1, MAP_COLORS.never]], name: t("maps.never") },
    ];
    const legend = [];
    if (count.diverged) legend.push({ label: `${t("maps.diverged")} — ${cells(count.diverged)}`, color: MAP_COLORS.diverged });
    if (count.never) legend.push({ label: `${t("maps.never")} — ${cells(count.never)}`, color: MAP_COLORS.never });
    const cfg = this.host.config();
    const run = cfg.runs[spec.run];
    if (run) {
      const value = (name) => {
        const p = run.params[name] ?? (run.inner ? run.inner.params[name] : undefined);
        return typeof p === "number" ? p : null;
      };
      const vx = value(spec.x.param);
      const vy = value(spec.y.param);
      if (vx !== null && vy !== null) {
        const color = PALETTE[this.host.colorOf(spec.run) % PALETTE.length].hex;
        traces.push({ type: "scatter", mode: "markers", x: [fractionalIndex(spec.x, vx)], y: [fractionalIndex(spec.y, vy)],
          hoverinfo: "skip", showlegend: false,
          marker: { size: 11, color: "rgba(255,255,255,0.2)", line: { color, width: 3 } } });
        legend.push({ label: `${spec.run + 1}: ${this.host.runLabel(spec.run)} (${spec.x.param} = ${formatValue(vx)}, ${spec.y.param} = ${formatValue(vy)})`,
          color, ring: true });
      }
    }
    const layout = {
      font: FONT, margin: { l: 56, r: 8, t: 8, b: 44 }, paper_bgcolor: "#ffffff",
      xaxis: { title: { text: spec.x.param, standoff: 4 }, ...ticks(spec.x), range: [-0.5, nx - 0.5], zeroline: false, showgrid: false },
      yaxis: { title: { text: spec.y.param, standoff: 4 }, ...ticks(spec.y), range: [-0.5, ny - 0.5], zeroline: false, showgrid: false },
      uirevision: start.query,
    };
    return { traces, layout, legend, metric };
  }

  onHyperClick(ev) {
    const data = this.maps.hyper.data;
    if (!data || !ev || !ev.points || !ev.points.length) return;
    const pt = ev.points[0];
    const i = Math.round(pt.x);
    const j = Math.round(pt.y);
    const { start } = data;
    if (!(i >= 0 && i < start.x.length && j >= 0 && j < start.y.length)) return;
    const spec = start.map;
    const run = this.host.config().runs[spec.run];
    if (!run) return;
    const params = mapParams(this.host.catalog, run);
    const short = (axis, k, centre) => shortestIn(...cellBounds(axis, k), centre);
    const values = { [spec.x.param]: short(spec.x, i, start.x[i]), [spec.y.param]: short(spec.y, j, start.y[j]) };
    for (const [name, value] of Object.entries(values)) {
      const p = params.find((q) => q.name === name);
      if (p) this.host.setRunParam(spec.run, p.path, name, value);
    }
    this.host.runParamsChanged(spec.run);
    this.drawHyper();
  }

  drawBasin() {
    const m = this.maps.basin;
    const data = m.data;
    const contour = this.host.contour;
    if (!data || !this.overlay) {
      contour.setOverlay(null);
      this.basinEntries = [];
      const legend = this.basinLegend();
      if (legend) {
        legend.replaceChildren();
        legend.hidden = true;
      }
      return;
    }
    const { start } = data;
    const color = m.spec && m.spec.color ? m.spec.color : start.map.color;
    const ids = data.rows.basin || [];
    const loss = data.rows.final_loss || [];
    const ny = start.y.length;
    const nx = start.x.length;
    const k = data.basins.length;
    const counts = new Array(k + 2).fill(0);
    let trace;
    if (color === "minimum") {
      // categories: 0 unsettled, 1 diverged, 2.. the minima
      const colors = [MAP_COLORS.unsettled, MAP_COLORS.diverged, ...data.basins.map((_, i) => basinColor(i))];
      const z = [];
      for (let j = 0; j < ny; j += 1) {
        const row = ids[j];
        z.push(row ? row.map((v) => {
          counts[v + 2] += 1;
          return v + 2;
        }) : new Array(nx).fill(null));
      }
      trace = { type: "heatmap", x: start.x, y: start.y, z, zmin: -0.5, zmax: colors.length - 0.5,
        colorscale: stepColorscale(colors), showscale: false, opacity: BASIN_OPACITY, hoverinfo: "skip", zsmooth: false };
    } else {
      let positive = true;
      for (const row of loss) for (const v of row || []) if (v !== null && v <= 0) positive = false;
      const z = [];
      for (let j = 0; j < ny; j += 1) {
        const row = loss[j];
        z.push(row ? row.map((v) => (v === null ? null : positive ? Math.log10(v) : v)) : new Array(nx).fill(null));
        if (ids[j]) for (const v of ids[j]) counts[v + 2] += 1;
      }
      trace = { type: "heatmap", x: start.x, y: start.y, z, colorscale: LOSS_SCALE, opacity: 0.6,
        hoverinfo: "skip", zsmooth: false,
        colorbar: { thickness: 8, len: 0.6, x: 1.08, title: { text: positive ? "log₁₀ loss" : "loss", side: "right" } } };
    }
    contour.setOverlay(trace);
    this.renderBasinLegend(data, counts, color);
  }

  /** The basin legend, in the contour's card beside the map it explains (templates/index.html). */
  basinLegend() {
    return document.getElementById("basin-legend");
  }

  /** The legend beside the contour, also kept as `basinEntries` ([{swatch, label}]) for the
   * Export menu's contour image. */
  renderBasinLegend(data, counts, color) {
    const entry = (swatch, label, n) => ({ swatch, label: `${label} — ${cells(n)}` });
    const entries = data.basins.map((b, i) => entry(color === "minimum" ? basinColor(i) : "transparent",
      basinLabel(b), counts[i + 2]));
    if (counts[1]) entries.push(entry(MAP_COLORS.diverged, t("maps.diverged"), counts[1]));
    if (counts[0]) entries.push(entry(MAP_COLORS.unsettled, t("maps.unsettled"), counts[0]));
    this.basinEntries = entries;
    const legend = this.basinLegend();
    if (!legend) return;
    legend.replaceChildren(h("span", { class: "legend-title", text: `${t("maps.basin")}:` }),
      ...entries.map((e) => h("span", { class: "legend-item" },
        h("span", { class: "swatch", style: `background:${e.swatch}` }), h("span", { text: e.label }))));
    legend.hidden = entries.length === 0;
  }
}
