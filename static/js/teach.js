// The teaching panel: the selected run's update equations (from the catalog, as MathML), the
// numbers of the current step in the catalog's symbols, and the optimizer's and schedule's
// explanations.

import { h } from "./controls.js";
import { latexNumber, renderMath } from "./latex.js";
import { t, tc } from "./i18n.js";

const pair = (x, y) => `\\left(${latexNumber(x)},\\ ${latexNumber(y)}\\right)`;

export class TeachPanel {
  constructor(root) {
    this.root = root;
    this.key = null;
    this.numbers = null;
  }

  /** Rebuild the static part (equations, descriptions) when the run or language changes. */
  setRun(catalog, run, index, color, lang) {
    const key = JSON.stringify([run.optimizer, run.inner && run.inner.optimizer,
      run.schedule && run.schedule.name, index, color, lang]);
    if (key === this.key) return;
    this.key = key;
    this.catalog = catalog;
    this.run = run;
    const spec = catalog.optimizers.find((o) => o.name === run.optimizer);
    const inner = run.inner && catalog.optimizers.find((o) => o.name === run.inner.optimizer);
    this.symbols = symbolTable(spec, inner);
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
    for (const line of spec.equations || []) eqs.appendChild(renderMath(line, { display: true }));
    if (inner) {
      eqs.appendChild(h("p", { class: "help", text: tc(inner, "description") }));
      for (const line of inner.equations || []) eqs.appendChild(renderMath(line, { display: true }));
    }
    this.root.appendChild(eqs);
    if (spec.reference) {
      this.root.appendChild(h("p", { class: "help reference", text: `${t("teach.reference")}: ${spec.reference}` }));
    }
    this.numbers = h("div", { class: "numbers", "aria-live": "off" });
    this.root.appendChild(this.numbers);
    const sched = run.schedule && catalog.schedules.find((s) => s.name === run.schedule.name);
    if (sched) {
      const box = h("div", { class: "teach-schedule" }, h("h4", { text: `${t("teach.schedule")}: ${tc(sched, "label")}` }));
      if (sched.latex) box.appendChild(renderMath(sched.latex, { display: true }));
      box.appendChild(h("p", { class: "help", text: tc(sched, "description") }));
      this.root.appendChild(box);
    }
    this.lastStep = null;
  }

  /** Fill the numbers of step `step` for run `index` of `dataset`. */
  setStep(dataset, index, step) {
    if (!this.numbers || !dataset || !dataset.runs[index]) return;
    const r = dataset.runs[index];
    const s = Math.min(step, r.n);
    const stamp = `${dataset.seq}:${index}:${s}:${r.n}`;
    if (stamp === this.lastStep) return;
    this.lastStep = stamp;
    const box = this.numbers;
    box.replaceChildren();
    if (s < 1) {
      box.appendChild(h("h4", { text: t("teach.numbers", { t: 0 }) }));
      const [x, y] = dataset.point(index, 0);
      box.appendChild(renderMath(`\\theta_0 = ${pair(x, y)}`, { display: true }));
      box.appendChild(h("p", { class: "help", text: t("teach.atStart") }));
      return;
    }
    box.appendChild(h("h4", { text: t("teach.numbers", { t: s }) }));
    if (step > r.n && r.status) box.appendChild(h("p", { class: "help", text: t("teach.notReached", { n: r.n }) }));
    const [x0, y0] = dataset.point(index, s - 1);
    const [x1, y1] = dataset.point(index, s);
    const k = s - 1;
    const rows = [
      [`\\theta_{t-1}`, t("teach.params"), x0, y0],
      [`g_t = \\nabla f(\\theta_{t-1})`, t("teach.grad"), r.gx[k], r.gy[k]],
    ];
    for (const name of r.stateOrder) {
      const st = r.state[name];
      const info = this.symbols[name] || { symbol: name === "effective_lr" ? "\\eta^{\\mathrm{eff}}_t" : `\\mathrm{${name.replace(/_/g, "\\_")}}`, help: name === "effective_lr" ? t("q.effective_lr") : name };
      const sym = name === "effective_lr" ? info.symbol : withT(info.symbol);
      rows.push([sym, info.help, st.x[k], info.scalar ? null : st.y[k]]);
    }
    rows.push([`\\eta_t`, t("teach.lr"), r.lr[k], null]);
    rows.push([`\\Delta\\theta_t = \\theta_t - \\theta_{t-1}`, t("teach.delta"), x1 - x0, y1 - y0]);
    rows.push([`\\theta_t`, t("teach.paramsAfter"), x1, y1]);
    rows.push([`f(\\theta_t)`, t("teach.loss"), r.loss[k], null]);
    const table = h("table", { class: "numbers-table" });
    table.appendChild(h("thead", {}, h("tr", {},
      h("th", { scope: "col", text: t("teach.quantity") }),
      h("th", { scope: "col", text: t("teach.coordX") }),
      h("th", { scope: "col", text: t("teach.coordY") }))));
    const body = h("tbody");
    for (const [sym, help, vx, vy] of rows) {
      const th = h("th", { scope: "row", title: help }, renderMath(sym));
      const tdx = h("td", {}, renderMath(latexNumber(vx)));
      const tdy = h("td", {}, vy === null ? "" : renderMath(latexNumber(vy)));
      if (vy === null) tdx.colSpan = 2;
      body.appendChild(h("tr", {}, th, tdx, ...(vy === null ? [] : [tdy])));
    }
    table.appendChild(body);
    box.appendChild(table);
    // The update itself with the numbers in place.
    box.appendChild(renderMath(`\\theta_t = ${pair(x0, y0)} + ${pair(x1 - x0, y1 - y0)} = ${pair(x1, y1)}`, { display: true }));
  }
}

function withT(symbol) {
  // Add the step index t to a symbol that has no subscript yet (m -> m_t, \hat m -> \hat m_t).
  if (/_/.test(symbol)) return symbol;
  return `{${symbol}}_t`;
}

function symbolTable(spec, inner) {
  const out = {};
  for (const s of [...((inner && inner.state) || []), ...((spec && spec.state) || [])]) {
    out[s.name] = { symbol: s.symbol, help: tc(s, "help") || s.name, scalar: s.scalar };
  }
  return out;
}
