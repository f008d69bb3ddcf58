// One card per run: colour, visibility, optimizer (with its presets), hyperparameters, schedule.

import { PALETTE, ScheduleEditor, h, paramList } from "./controls.js";
import { t, tc } from "./i18n.js";
import { runName } from "./names.js";
import { optimizerChoice, optimizerFromChoice, optimizerPicker } from "./picker.js";

export class RunCard {
  /**
   * @param app   {catalog, runCount(), colorOf(i), isVisible(i), selected, ...callbacks}
   * @param run   the run's config (edited in place)
   */
  constructor(app, index, run) {
    this.app = app;
    this.index = index;
    this.run = run;
    this.el = h("article", { class: "run-card", dataset: { run: String(index) } });
    this.collapsed = false;
    this.render();
  }

  get catalog() {
    return this.app.catalog;
  }

  field(rest) {
    return `runs[${this.index}]${rest}`;
  }

  changed(opts = {}) {
    if (this.nameEl) this.nameEl.textContent = this.titleText();
    this.app.onRunChanged(this.index, opts);
  }

  /** "Run 2 · Nesterov, lr=0.001, momentum=0.9": the run's number and name. */
  titleText() {
    return `${t("run.title", { n: this.index + 1 })} · ${runName(this.catalog, this.run)}`;
  }

  render() {
    const i = this.index;
    const app = this.app;
    const spec = this.catalog.optimizers.find((o) => o.name === this.run.optimizer);
    this.el.replaceChildren();
    this.el.style.setProperty("--run-color", PALETTE[app.colorOf(i)].hex);

    // Header: title, colour, visibility, explain, duplicate, remove, collapse.
    const title = h("h3", { class: "run-title" },
      h("span", { class: "swatch", "aria-hidden": "true" }),
      (this.nameEl = h("span", { class: "run-name", text: this.titleText() })),
      h("span", { class: "run-status", dataset: { runStatus: String(i) } }));
    const colorId = `run-${i}-color`;
    const color = h("select", { id: colorId, class: "color-select" });
    PALETTE.forEach((c, k) => color.appendChild(h("option", { value: String(k), text: tc(c, "label") })));
    color.value = String(app.colorOf(i));
    color.addEventListener("change", () => app.setColor(i, Number(color.value)));
    const showId = `run-${i}-show`;
    const show = h("input", { type: "checkbox", id: showId });
    show.checked = app.isVisible(i);
    show.addEventListener("change", () => app.setVisible(i, show.checked));
    const selId = `run-${i}-sel`;
    const sel = h("input", { type: "radio", name: "selected-run", id: selId, value: String(i) });
    sel.checked = app.selected === i;
    sel.addEventListener("change", () => sel.checked && app.select(i));
    const dup = h("button", { type: "button", class: "small", text: t("run.duplicate"), dataset: { key: "runs" } });
    dup.disabled = Boolean(app.runLimit());
    dup.title = app.runLimit();
    dup.addEventListener("click", () => app.duplicateRun(i));
    const remove = h("button", { type: "button", class: "small", text: t("run.remove"), dataset: { key: "runs" } });
    remove.disabled = app.runCount() <= 1;
    remove.addEventListener("click", () => app.removeRun(i));
    const collapse = h("button", { type: "button", class: "small collapse", text: this.collapsed ? "▸" : "▾",
      "aria-expanded": String(!this.collapsed), "aria-label": `${t("run.title", { n: i + 1 })}` });
    collapse.addEventListener("click", () => {
      this.collapsed = !this.collapsed;
      this.render();
    });
    const head = h("div", { class: "run-head" }, collapse, title);
    const tools = h("div", { class: "run-tools" },
      h("label", { class: "inline", for: colorId, dataset: { key: "color" } }, h("span", { text: t("run.color") }), color),
      h("label", { class: "inline", for: showId }, show, h("span", { text: t("run.show") })),
      h("label", { class: "inline", for: selId }, sel, h("span", { text: t("run.select") })),
      dup, remove);
    this.el.append(head, tools);
    if (this.collapsed) return;

    // Optimizer + presets, grouped by family, with a search box.
    const optId = `run-${i}-optimizer`;
    const picker = optimizerPicker(this.catalog, optId, spec ? optimizerChoice(spec, this.run.params) : "",
      (value) => {
        const fresh = optimizerFromChoice(this.catalog, value, this.run);
        for (const k of Object.keys(this.run)) if (k !== "schedule" && k !== "label") delete this.run[k];
        Object.assign(this.run, fresh);
        this.render();
        this.changed({ structural: true });
        const again = document.getElementById(optId); // the card is built anew: keep the focus
        if (again) again.focus();
      });
    const opt = picker.select;
    this.el.appendChild(h("div", { class: "field", dataset: { key: "optimizer", field: this.field(".optimizer") } },
      h("label", { for: optId, class: "param-label", text: t("run.optimizer") }), picker.el));
    if (!spec) return;
    this.el.appendChild(paramList(spec.params, this.run.params, this.field(".params"), (opts) => {
      opt.value = optimizerChoice(spec, this.run.params);
      this.changed(opts);
    }));

    // A wrapper's inner optimizer.
    if (spec.wraps && this.run.inner) {
      const innerSpec = this.catalog.optimizers.find((o) => o.name === this.run.inner.optimizer);
      const innerId = `run-${i}-inner`;
      const innerPicker = optimizerPicker(this.catalog, innerId,
        innerSpec ? optimizerChoice(innerSpec, this.run.inner.params) : "", (value) => {
          this.run.inner = optimizerFromChoice(this.catalog, value, this.run.inner);
          this.render();
          this.changed({ structural: true });
          const again = document.getElementById(innerId);
          if (again) again.focus();
        }, { wrappers: false, excludes: spec.inner_excludes || [], label: t("run.inner") });
      const innerSel = innerPicker.select;
      const box = h("div", { class: "inner", dataset: { field: this.field(".inner") } },
        h("label", { for: innerId, class: "param-label", text: t("run.inner") }), innerPicker.el);
      if (innerSpec) {
        box.appendChild(paramList(innerSpec.params, this.run.inner.params, this.field(".inner.params"),
          (opts) => {
            innerSel.value = optimizerChoice(innerSpec, this.run.inner.params);
            this.changed(opts);
          }));
      }
      this.el.appendChild(box);
    }

    // Schedule.
    const editor = new ScheduleEditor(this.catalog, this.run.schedule ?? null, this.field(".schedule"),
      (value, opts) => {
        this.run.schedule = value;
        this.changed(opts);
      });
    this.el.appendChild(editor.el);
  }

  setStatus(text) {
    const el = this.el.querySelector(".run-status");
    if (el) el.textContent = text;
  }
}
