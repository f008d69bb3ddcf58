// Controls built from the catalog: one hyperparameter control per catalog entry (slider on the
// catalog's scale + a number box), run cards, schedule editors. Nothing here knows a particular
// optimizer or schedule: the catalog is the only list.

import { renderMath } from "./math.js";
import { getLang, t, tc } from "./i18n.js";

// The run colours are the catalog's (palette.js); re-exported for the modules that draw runs.
export { PALETTE } from "./palette.js";

const SLIDER_STEPS = 1000;
let uid = 0;
const nextId = (prefix) => `${prefix}-${(uid += 1)}`;

/** Create an element: h("div", {class: "x", text: "..."}, child, ...). Never parses HTML. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return el;
}

// ------------------------------------------------------------------ slider scales

function finite(v) {
  return typeof v === "number" && Number.isFinite(v);
}

/** The slider's value range [lo, hi] in parameter units. */
function sliderBounds(spec) {
  let lo = finite(spec.slider_min) ? spec.slider_min : spec.min;
  let hi = finite(spec.slider_max) ? spec.slider_max : spec.max;
  const d = finite(spec.default) ? spec.default : 1;
  if (!finite(lo)) lo = spec.scale === "log" ? Math.max(Math.abs(d) / 1000, 1e-8) : Math.min(0, d - Math.abs(d) * 2 - 1);
  if (!finite(hi)) hi = spec.scale === "log" ? Math.max(Math.abs(d) * 1000, 1) : Math.max(d * 2, d + 10, 1);
  if (spec.scale === "log" && lo <= 0) lo = Math.min(hi / 1e6, 1e-6);
  if (spec.scale === "beta" && hi >= 1) hi = 0.9999;
  return [lo, hi];
}

const betaW = (v) => -Math.log10(Math.max(1 - v, 1e-12));

/** Parameter value -> slider position 0..SLIDER_STEPS. */
export function toSlider(spec, v) {
  if (!finite(v)) return 0;
  const [lo, hi] = sliderBounds(spec);
  let u;
  if (spec.scale === "log") {
    if (v <= 0) return 0;
    u = (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
  } else if (spec.scale === "beta") {
    u = (betaW(v) - betaW(lo)) / (betaW(hi) - betaW(lo));
  } else {
    u = (v - lo) / (hi - lo);
  }
  return Math.round(Math.min(1, Math.max(0, u)) * SLIDER_STEPS);
}

// Two significant digits are what a slider can resolve; keeps URLs short and values readable.
function nice(v, digits = 2) {
  if (v === 0 || !finite(v)) return v;
  return Number(v.toPrecision(digits));
}

/** Slider position -> parameter value (rounded to what a slider can meaningfully select). */
export function fromSlider(spec, pos) {
  const u = pos / SLIDER_STEPS;
  const [lo, hi] = sliderBounds(spec);
  let v;
  if (spec.scale === "log") {
    v = nice(10 ** (Math.log10(lo) + u * (Math.log10(hi) - Math.log10(lo))));
  } else if (spec.scale === "beta") {
    const w = betaW(lo) + u * (betaW(hi) - betaW(lo));
    const gap = nice(10 ** -w); // 1 - v with two significant digits: 0.9, 0.99, 0.995, 0.999
    v = Number((1 - gap).toPrecision(12));
  } else {
    v = lo + u * (hi - lo);
    const step = finite(spec.step) && spec.step > 0 ? spec.step : (hi - lo) / SLIDER_STEPS;
    v = Math.round(v / step) * step;
    v = Number(v.toPrecision(12));
  }
  if (spec.type === "int") v = Math.round(v);
  return clampToSpec(spec, v);
}

function clampToSpec(spec, v) {
  if (finite(spec.min) && v < spec.min) v = spec.min;
  if (finite(spec.max) && v > spec.max) v = spec.max;
  return v;
}

/** The allowed values ("a number in [0, 1]") in the page's language (the catalog's own first). */
function rangeText(spec) {
  const r = tc(spec, "range");
  if (getLang() !== "zh" || r !== spec.range) return r;
  return r.replace(/^an integer in /, "整数，范围 ").replace(/^a number in /, "数值，范围 ")
    .replace(/^one of /, "取值之一：").replace(/^true or false$/, "true 或 false");
}

/** null if ok, else a message: the client's quick check (the server checks again). */
export function checkValue(spec, v) {
  const range = rangeText(spec);
  if (v === null) return spec.nullable ? null : range;
  if (!finite(v)) return range || "not a number";
  if (spec.type === "int" && !Number.isInteger(v)) return range;
  if (finite(spec.min) && (v < spec.min || (spec.min_open && v === spec.min))) return range;
  if (finite(spec.max) && (v > spec.max || (spec.max_open && v === spec.max))) return range;
  return null;
}

export function formatValue(v) {
  if (v === null || v === undefined) return "";
  if (typeof v !== "number") return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e-4 && a < 1e6) return String(Number(v.toPrecision(10)));
  return v.toExponential().replace(/\.?0+e/, "e");
}

// ------------------------------------------------------------------ one parameter

function labelFor(spec, forId) {
  const label = h("label", { for: forId, class: "param-label" });
  if (spec.symbol) {
    const m = renderMath(spec.symbol);
    m.setAttribute("aria-hidden", "true");
    label.appendChild(h("span", { class: "sym" }, m));
  }
  label.appendChild(h("span", { class: "pname", text: spec.name }));
  return label;
}

/**
 * A control for one catalog parameter. `onChange(value, {live})` fires on every valid edit
 * (live = true while a slider is being dragged). Returns the wrapper element.
 */
export function paramControl(spec, value, field, onChange) {
  return withInfo(bareControl(spec, value, field, onChange), spec);
}

// The help text shows on hover (title), on focus (the help line under the control, while any
// of its inputs has focus) and on touch (an info button beside the label toggles that line).
function withInfo(wrap, spec) {
  const help = wrap.querySelector(":scope .help");
  const label = wrap.querySelector(".param-label");
  if (!help || !label || !help.textContent) return wrap;
  const btn = h("button", { type: "button", class: "info-btn", text: "i", "aria-expanded": "false",
    "aria-controls": help.id, "aria-label": t("param.info", { name: spec.name }), title: help.textContent });
  btn.addEventListener("click", () => {
    const on = !wrap.classList.contains("show-help");
    wrap.classList.toggle("show-help", on);
    btn.setAttribute("aria-expanded", String(on));
  });
  if (label.parentElement === wrap) {
    const head = h("div", { class: "param-head" });
    label.replaceWith(head);
    head.append(label, btn);
  } else {
    label.after(btn);
  }
  return wrap;
}

function bareControl(spec, value, field, onChange) {
  const wrap = h("div", { class: "param", dataset: { key: spec.name, field } });
  const id = nextId("p");
  const help = tc(spec, "help");
  const helpId = `${id}-help`;
  const error = h("p", { class: "error", "aria-live": "polite" });
  wrap.title = help + (spec.range ? ` (${rangeText(spec)})` : "");

  if (spec.type === "bool") {
    const box = h("input", { type: "checkbox", id, "aria-describedby": helpId });
    box.checked = Boolean(value);
    box.addEventListener("change", () => onChange(box.checked, { live: false }));
    wrap.classList.add("param-bool");
    wrap.append(h("div", { class: "bool-row" }, box, labelFor(spec, id)),
      h("p", { class: "help", id: helpId, text: help }));
    return wrap;
  }

  if (spec.type === "choice") {
    const sel = h("select", { id, "aria-describedby": helpId });
    for (const c of spec.choices || []) sel.appendChild(h("option", { value: c, text: c }));
    sel.value = value ?? spec.default;
    sel.addEventListener("change", () => onChange(sel.value, { live: false }));
    wrap.append(labelFor(spec, id), sel, h("p", { class: "help", id: helpId, text: help }), error);
    return wrap;
  }

  if (spec.type === "expression" || spec.type === "list") {
    const isObjects = Array.isArray(spec.default) && spec.default.some((d) => typeof d === "object");
    const input = h("input", { type: "text", id, spellcheck: "false", autocomplete: "off",
      "aria-describedby": `${helpId} ${id}-err` });
    error.id = `${id}-err`;
    const show = (v) => (spec.type === "list" ? (isObjects ? JSON.stringify(v) : (v || []).join(", ")) : (v ?? ""));
    input.value = show(value);
    let timer = 0;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        let v = input.value;
        if (spec.type === "list") {
          try {
            v = isObjects ? JSON.parse(v) : v.split(/[,;\s]+/).filter(Boolean).map((s) => {
              const n = Number(s);
              if (!Number.isFinite(n)) throw new Error(s);
              return n;
            });
            error.textContent = "";
          } catch {
            error.textContent = rangeText(spec) || "invalid list";
            return;
          }
        }
        onChange(v, { live: false });
      }, 250);
    });
    wrap.append(labelFor(spec, id), input, h("p", { class: "help", id: helpId, text: help }), error);
    return wrap;
  }

  // float / int: a slider on the catalog's scale with a number box beside it.
  const range = h("input", { type: "range", min: "0", max: String(SLIDER_STEPS), step: "1",
    id: `${id}-range`, "aria-label": t("param.slider", { name: spec.name }),
    "aria-describedby": helpId });
  const num = h("input", { type: "number", id, step: "any", "aria-describedby": `${helpId} ${id}-err`,
    inputmode: "decimal" });
  error.id = `${id}-err`;
  if (finite(spec.min)) num.min = String(spec.min);
  if (finite(spec.max)) num.max = String(spec.max);
  let auto = null;
  const setShown = (v) => {
    num.value = formatValue(v);
    range.value = String(toSlider(spec, v));
    range.setAttribute("aria-valuetext", formatValue(v));
  };
  if (value === null || value === undefined) {
    setShown(finite(spec.default) ? spec.default : sliderBounds(spec)[0]);
  } else {
    setShown(value);
  }
  const emit = (v, live) => {
    const problem = checkValue(spec, v);
    error.textContent = problem ? problem : "";
    wrap.classList.toggle("invalid", Boolean(problem));
    if (!problem) onChange(v, { live });
  };
  range.addEventListener("input", () => {
    const v = fromSlider(spec, Number(range.value));
    num.value = formatValue(v);
    range.setAttribute("aria-valuetext", formatValue(v));
    emit(v, true);
  });
  range.addEventListener("change", () => emit(fromSlider(spec, Number(range.value)), false));
  num.addEventListener("input", () => {
    if (num.value.trim() === "") return;
    const v = Number(num.value);
    if (finite(v)) range.value = String(toSlider(spec, v));
    emit(v, false);
  });
  const inputs = h("div", { class: "param-inputs" }, range, num);
  if (spec.nullable) {
    auto = h("input", { type: "checkbox", id: `${id}-auto` });
    auto.checked = value === null || value === undefined;
    const sync = () => {
      range.disabled = auto.checked;
      num.disabled = auto.checked;
    };
    sync();
    auto.addEventListener("change", () => {
      sync();
      if (auto.checked) onChange(null, { live: false });
      else emit(Number(num.value), false);
    });
    inputs.appendChild(h("label", { class: "auto", for: `${id}-auto` }, auto, h("span", { text: tc(spec, "null_label") || t("param.auto") })));
  }
  wrap.append(labelFor(spec, id), inputs, h("p", { class: "help", id: helpId, text: help }), error);
  return wrap;
}

/** Parameters of a catalog entry into `container`, editing `values` in place. */
export function paramList(specs, values, fieldPrefix, onChange) {
  const box = h("div", { class: "params" });
  for (const spec of specs) {
    box.appendChild(paramControl(spec, values[spec.name], `${fieldPrefix}.${spec.name}`, (v, opts) => {
      values[spec.name] = v;
      onChange(opts);
    }));
  }
  return box;
}

/** Catalog defaults of a params list. */
export function defaults(specs) {
  const out = {};
  for (const s of specs) out[s.name] = structuredClone(s.default);
  return out;
}

// ------------------------------------------------------------------ schedules

export class ScheduleEditor {
  /**
   * `schedule`: {name, params} or null; `onChange(schedule, opts)` with the new value.
   * `allowNone`: the top level may be "no schedule"; children of a composite may not.
   */
  constructor(catalog, schedule, field, onChange, { allowNone = true, depth = 1 } = {}) {
    this.catalog = catalog;
    this.schedule = schedule ? structuredClone(schedule) : null;
    this.field = field;
    this.onChange = onChange;
    this.allowNone = allowNone;
    this.depth = depth;
    this.el = h("div", { class: `schedule depth-${depth}`, dataset: { key: "schedule", field } });
    this.render();
  }

  spec(name) {
    return this.catalog.schedules.find((s) => s.name === name);
  }

  emit(opts) {
    this.onChange(this.schedule ? structuredClone(this.schedule) : null, opts);
  }

  render() {
    this.el.replaceChildren();
    const id = nextId("sched");
    const sel = h("select", { id });
    if (this.allowNone) sel.appendChild(h("option", { value: "", text: t("schedule.none") }));
    for (const s of this.catalog.schedules) {
      if (!this.allowNone && (s.needs_metric || (this.depth >= 3 && s.composite))) continue;
      sel.appendChild(h("option", { value: s.name, text: tc(s, "label") || s.name }));
    }
    sel.value = this.schedule ? this.schedule.name : "";
    sel.addEventListener("change", () => {
      const spec = this.spec(sel.value);
      this.schedule = spec ? { name: spec.name, params: defaults(spec.params) } : null;
      this.render();
      this.emit({ live: false, structural: true });
    });
    this.el.appendChild(h("label", { for: id, class: "param-label", text: this.depth === 1 ? t("run.schedule") : "" }));
    this.el.appendChild(sel);
    const spec = this.schedule && this.spec(this.schedule.name);
    if (!spec) return;
    const info = h("div", { class: "schedule-info" });
    if (spec.latex) info.appendChild(renderMath(spec.latex));
    info.appendChild(h("p", { class: "help", text: tc(spec, "description") }));
    this.el.appendChild(info);
    const params = this.schedule.params || (this.schedule.params = {});
    const box = h("div", { class: "params" });
    for (const p of spec.params) {
      if (p.name === "schedulers" && Array.isArray(params.schedulers) && this.depth < 3) {
        box.appendChild(this.childrenEditor(p, params));
        continue;
      }
      box.appendChild(paramControl(p, params[p.name], `${this.field}.params.${p.name}`, (v, opts) => {
        params[p.name] = v;
        this.emit(opts);
      }));
    }
    this.el.appendChild(box);
  }

  childrenEditor(spec, params) {
    const box = h("div", { class: "children", dataset: { field: `${this.field}.params.schedulers` } });
    params.schedulers.forEach((child, i) => {
      const ed = new ScheduleEditor(this.catalog, child, `${this.field}.params.schedulers[${i}]`,
        (value, opts) => {
          params.schedulers[i] = value;
          this.emit(opts);
        }, { allowNone: false, depth: this.depth + 1 });
      const remove = h("button", { type: "button", class: "small", text: "−", "aria-label": `${t("run.remove")} ${i + 1}` });
      remove.disabled = params.schedulers.length <= 1;
      remove.addEventListener("click", () => {
        params.schedulers.splice(i, 1);
        if (Array.isArray(params.milestones) && params.milestones.length >= params.schedulers.length) {
          params.milestones = params.milestones.slice(0, Math.max(0, params.schedulers.length - 1));
        }
        this.render();
        this.emit({ live: false, structural: true });
      });
      box.appendChild(h("div", { class: "child" }, h("span", { class: "child-index", text: `${i + 1}.` }), ed.el, remove));
    });
    const add = h("button", { type: "button", class: "small", text: "+", "aria-label": t("run.add") });
    add.addEventListener("click", () => {
      const cos = this.spec("CosineAnnealingLR") || this.catalog.schedules.find((s) => !s.composite);
      params.schedulers.push({ name: cos.name, params: defaults(cos.params) });
      if (Array.isArray(params.milestones)) {
        const last = params.milestones.length ? params.milestones[params.milestones.length - 1] : 0;
        while (params.milestones.length < params.schedulers.length - 1) params.milestones.push(last + 50);
      }
      this.render();
      this.emit({ live: false, structural: true });
    });
    box.appendChild(add);
    return box;
  }
}
