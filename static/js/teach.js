// The teaching panel: the selected run's update rule as configured (the catalog's lines whose
// hyperparameter conditions hold, typeset by KaTeX), its step scale, the numbers of the current
// step in the catalog's symbols (state, the step's scalar factors, the lr), and the optimizer's
// and schedule's explanations. Nothing here is specific to one optimizer: a new catalog entry
// needs no change.

import { h } from "./controls.js";
import { fitMath, formatNumber, keepMathFitted, latexNumber, renderMath } from "./math.js";
import { t, tc } from "./i18n.js";

const pair = (x, y) => `\\left(${latexNumber(x)},\\ ${latexNumber(y)}\\right)`;

// Recorded for the exports only: the move over the gradient is no learning rate (it changes
// sign and spikes where a gradient component crosses zero); the step scale replaces it here.
const NOT_TAUGHT = new Set(["effective_lr"]);

/** Whether one catalog condition [name, op, value] holds for the hyperparameters `hp`. */
export function holds([name, op, value], hp) {
  if (!(name in hp)) return false;
  const have = hp[name];
  if (op === "==") return have === value;
  if (op === "!=") return have !== value;
  if (op === ">") return have > value;
  return false;
}

/** The lines of a catalog rule (`update_rule` or `step_scale`) that apply to `hp`. */
export function linesFor(lines, hp) {
  return (lines || []).filter((line) => (line.when || []).every((c) => holds(c, hp)));
}

/** A spec's hyperparameters for a run: the catalog defaults under the run's own values. */
function hyper(spec, params) {
  const hp = {};
  for (const p of (spec && spec.params) || []) hp[p.name] = p.default;
  return { ...hp, ...(params || {}) };
}

/** A quantity every step has (the catalog's `quantities`: gradient, lr, ...) by name. */
function quantity(catalog, name) {
  return ((catalog && catalog.quantities) || []).find((q) => q.name === name) || { name, symbol: name, help: name };
}

function equationBlock(lines, hp) {
  const box = h("div", { class: "rule" });
  for (const line of linesFor(lines, hp)) box.appendChild(renderMath(line.latex, { display: true }));
  return box;
}

export class TeachPanel {
  constructor(root) {
    this.root = root;
    this.key = null;
    this.numbers = null;
    keepMathFitted(root);
  }

  /** Rebuild the static part (equations, descriptions) when the run, the lines of its rule
   * (which its hyperparameters choose: an lr change keeps them) or the language change. */
  setRun(catalog, run, index, color, lang) {
    const spec = catalog.optimizers.find((o) => o.name === run.optimizer);
    const inner = run.inner && catalog.optimizers.find((o) => o.name === run.inner.optimizer);
    const hp = spec && hyper(spec, run.params);
    const innerHp = inner && hyper(inner, run.inner.params);
    const shown = (o, p) => (o ? [...linesFor(o.update_rule, p), ...linesFor(o.step_scale, p)].map((l) => l.latex) : []);
    const key = JSON.stringify([run.optimizer, inner && inner.name, shown(spec, hp), shown(inner, innerHp),
      run.schedule && run.schedule.name, index, color, lang]);
    if (key === this.key) return;
    this.key = key;
    this.catalog = catalog;
    this.run = run;
    this.symbols = symbolTable(spec, inner);
    this.factorInfo = ((inner || spec) && (inner || spec).factors) || [];
    this.root.replaceChildren();
    if (!spec) return;
    const head = h("div", { class: "teach-head" },
      h("span", { class: "swatch", "aria-hidden": "true" }),
      h("h3", { text: `${t("run.title", { n: index + 1 })} · ${tc(spec, "label")}${inner ? ` + ${tc(inner, "label")}` : ""}` }));
    head.style.setProperty("--run-color", color);
    this.root.appendChild(head);
    this.root.appendChild(h("p", { class: "teach-desc", text: tc(spec, "description") }));
    const eqs = h("div", { class: "equations", "aria-label": t("teach.equations") });
    eqs.appendChild(h("h4", { text: t("teach.equations") }));
    if (inner) {
      eqs.appendChild(h("p", { class: "help", text: `${tc(inner, "label")}: ${tc(inner, "description")}` }));
      eqs.appendChild(equationBlock(inner.update_rule, innerHp));
      eqs.appendChild(h("p", { class: "help", text: `${tc(spec, "label")}:` }));
    }
    eqs.appendChild(equationBlock(spec.update_rule, hp));
    this.root.appendChild(eqs);
    const [scaleSpec, scaleHp] = inner && !(spec.step_scale || []).length ? [inner, innerHp] : [spec, hp];
    if (linesFor(scaleSpec.step_scale, scaleHp).length) {
      const q = quantity(catalog, "step_scale"); // heading and help: the catalog's common quantity
      const box = h("div", { class: "step-scale", "aria-label": tc(q, "label") });
      box.appendChild(h("h4", { text: tc(q, "label") }));
      box.appendChild(h("p", { class: "help", text: tc(q, "help") }));
      box.appendChild(equationBlock(scaleSpec.step_scale, scaleHp));
      this.root.appendChild(box);
    }
    if (spec.reference) {
      this.root.appendChild(h("p", { class: "help reference", text: `${t("teach.reference")}: ${spec.reference}` }));
    }
    this.numbers = h("div", { class: "numbers", "aria-live": "off" });
    this.table = null;
    this.root.appendChild(this.numbers);
    const sched = run.schedule && catalog.schedules.find((s) => s.name === run.schedule.name);
    if (sched) {
      const box = h("div", { class: "teach-schedule" }, h("h4", { text: `${t("teach.schedule")}: ${tc(sched, "label")}` }));
      if (sched.latex) box.appendChild(renderMath(sched.latex, { display: true }));
      box.appendChild(h("p", { class: "help", text: tc(sched, "description") }));
      this.root.appendChild(box);
    }
    this.lastStep = null;
    fitMath(this.root);
  }

  /** Fill the numbers of step `step` for run `index` of `dataset`. The table's rows (symbols
   * typeset once per run) are kept from step to step; only the numbers' text changes. */
  setStep(dataset, index, step) {
    if (!this.numbers || !dataset || !dataset.runs[index]) return;
    const r = dataset.runs[index];
    const s = Math.min(step, r.n);
    const stamp = `${dataset.seq}:${index}:${s}:${r.n}`;
    if (stamp === this.lastStep) return;
    this.lastStep = stamp;
    const box = this.numbers;
    if (s < 1) {
      const [x, y] = dataset.point(index, 0);
      const latex = `\\theta_0 = ${pair(x, y)}`;
      if (!this.table && this.startLatex === latex && box.firstChild) return; // shown already
      this.table = null;
      this.startLatex = latex;
      box.replaceChildren();
      box.appendChild(h("h4", { text: t("teach.numbers", { t: 0 }) }));
      box.appendChild(renderMath(latex, { display: true }));
      box.appendChild(h("p", { class: "help", text: t("teach.atStart") }));
      return;
    }
    const [x0, y0] = dataset.point(index, s - 1);
    const [x1, y1] = dataset.point(index, s);
    const k = s - 1;
    const q = (name) => quantity(this.catalog, name);
    const row = (name, value, extra = {}) => ({ sym: q(name).symbol, help: tc(q(name), "help"), value, ...extra });
    const rows = [row("params", () => [x0, y0]), row("grad", () => [r.gx[k], r.gy[k]])];
    for (const name of r.stateOrder) {
      if (NOT_TAUGHT.has(name)) continue;
      const st = r.state[name];
      const info = this.symbols[name] || { symbol: `\\mathrm{${name.replace(/_/g, "\\_")}}`, help: name };
      rows.push({ name, sym: withT(info.symbol), help: info.help,
        value: () => [st.x[k], info.scalar ? null : st.y[k]] });
    }
    for (const f of this.factorInfo) {
      const values = r.factors && r.factors[f.name];
      if (values) rows.push({ name: f.name, sym: f.symbol, help: tc(f, "help") || f.name, value: () => [values[k], null] });
    }
    rows.push(row("lr", () => [r.lr[k], null], { name: "lr" }));
    rows.push(row("delta", () => [x1 - x0, y1 - y0]));
    rows.push(row("params_after", () => [x1, y1]));
    rows.push(row("loss", () => [r.loss[k], null]));
    // The rows' symbols (typeset once) are kept across answers while the rows stay the same.
    const layout = `${index}:${rows.map((row) => `${row.sym}${row.help}${row.value()[1] === null ? "" : ",y"}`).join("|")}`;
    if (!this.table || this.table.layout !== layout) this.table = this.buildTable(rows, layout);
    const { head, note, cells, update } = this.table;
    head.textContent = t("teach.numbers", { t: s });
    note.hidden = !(step > r.n && r.status);
    note.textContent = note.hidden ? "" : t("teach.notReached", { n: r.n });
    rows.forEach((row, i) => {
      const [vx, vy] = row.value();
      cells[i][0].textContent = formatNumber(vx);
      if (cells[i][1]) cells[i][1].textContent = vy === null ? "" : formatNumber(vy);
    });
    // The update itself with the numbers in place (typeset again only when its text changed).
    const latex = `\\begin{aligned} \\theta_t &= ${pair(x0, y0)} + `
      + `${pair(x1 - x0, y1 - y0)} \\\\ &= ${pair(x1, y1)} \\end{aligned}`;
    if (this.table.latex === latex) return;
    this.table.latex = latex;
    update.replaceWith(this.table.update = renderMath(latex, { display: true }));
  }

  /** The numbers' table for these rows: heading, symbols typeset, empty number cells. */
  buildTable(rows, layout) {
    const box = this.numbers;
    box.replaceChildren();
    const head = h("h4");
    const note = h("p", { class: "help" });
    const table = h("table", { class: "numbers-table" });
    table.appendChild(h("thead", {}, h("tr", {},
      h("th", { scope: "col", text: t("teach.quantity") }),
      h("th", { scope: "col", text: t("teach.coordX") }),
      h("th", { scope: "col", text: t("teach.coordY") }))));
    const body = h("tbody");
    const cells = [];
    for (const row of rows) {
      const th = h("th", { scope: "row", title: row.help }, renderMath(row.sym));
      const pairRow = row.value()[1] !== null;
      const tdx = h("td", { class: "num" });
      const tdy = pairRow ? h("td", { class: "num" }) : null;
      if (!pairRow) tdx.colSpan = 2;
      const tr = h("tr", {}, th, tdx, ...(tdy ? [tdy] : []));
      if (row.name) tr.dataset.name = row.name;
      body.appendChild(tr);
      cells.push([tdx, tdy]);
    }
    table.appendChild(body);
    const update = h("div");
    box.append(head, note, table, update);
    return { layout, head, note, cells, update };
  }
}

function withT(symbol) {
  // Add the step index t to a symbol that has no subscript yet (m -> m_t, \hat m -> \hat m_t,
  // v^{\max} -> v^{\max}_t: TeX stacks the two scripts).
  if (/_/.test(symbol)) return symbol;
  return `${symbol}_t`;
}

function symbolTable(spec, inner) {
  const out = {};
  for (const s of [...((inner && inner.state) || []), ...((spec && spec.state) || [])]) {
    out[s.name] = { symbol: s.symbol, help: tc(s, "help") || s.name, scalar: s.scalar };
  }
  return out;
}
