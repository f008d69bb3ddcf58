// The training settings shared by every run: steps, gradient noise, seed (with a "new seed"
// button) and, on data surfaces, the mini-batch size.

import { h, paramControl } from "./controls.js";
import { applyHide } from "./display.js";
import { t } from "./i18n.js";
import { $, app } from "./state.js";
import { configChanged } from "./stream.js";

// Config-level parameters, used only when the catalog does not describe them.
const CONFIG_FALLBACK = [
  { name: "steps", type: "int", default: 300, min: 1, max: 10000, scale: "log", slider_min: 10, slider_max: 10000, step: 1, symbol: "", help: "number of optimizer steps", range: "an integer in [1, 10000]" },
  { name: "noise", type: "float", default: 0, min: 0, max: 1000, scale: "log", slider_min: 0.001, slider_max: 100, symbol: "\\sigma", help: "standard deviation of Gaussian noise added to each gradient component", range: "a number in [0, 1000]" },
  { name: "seed", type: "int", default: 0, min: 0, max: 4294967295, scale: "linear", step: 1, symbol: "", help: "seed of the gradient noise and of the mini-batches", range: "an integer in [0, 4294967295]" },
  { name: "batch_size", type: "int", default: null, min: 1, max: 1000000, scale: "log", slider_min: 1, slider_max: 1024, step: 1, nullable: true, symbol: "B", help: "mini-batch size on data surfaces (null: the whole data set)", range: "an integer in [1, 1000000]" },
];
// Slider hints for config-level parameters whose catalog entry gives none.
const CONFIG_SLIDERS = {
  steps: { scale: "log", slider_min: 10, slider_max: 10000 },
  noise: { scale: "log", slider_min: 0.001, slider_max: 100 },
  batch_size: { scale: "log", slider_min: 1, slider_max: 1024 },
};

function configSpecs() {
  const c = app.catalog;
  const given = c.settings || {};
  return CONFIG_FALLBACK.map((fb) => {
    const s = given[fb.name] || fb;
    const hints = CONFIG_SLIDERS[fb.name];
    const out = { ...fb, ...s };
    if (hints && (s.slider_max === null || s.slider_max === undefined || s.slider_max === s.max)) Object.assign(out, hints);
    return out;
  });
}

/** The settings' controls for the current config (the batch size only on a data surface). */
export function renderTraining() {
  const box = $("training");
  box.replaceChildren();
  const cfg = app.config;
  for (const spec of configSpecs()) {
    if (spec.name === "batch_size") {
      const sf = cfg.surface.name && app.catalog.surfaces.find((s) => s.name === cfg.surface.name);
      if (!sf || sf.kind !== "data") continue;
      const n = (cfg.surface.params && cfg.surface.params.n_samples) || spec.slider_max;
      spec.slider_max = Math.max(2, n);
    }
    const el = paramControl(spec, cfg[spec.name], spec.name, (v) => {
      cfg[spec.name] = v;
      if (spec.name === "steps") $("scrubber").max = String(v);
      configChanged();
    });
    el.dataset.key = spec.name;
    const label = el.querySelector(".pname");
    if (label) label.textContent = t(`${spec.name === "batch_size" ? "batch" : spec.name}.label`);
    if (spec.name === "seed") {
      const btn = h("button", { type: "button", class: "small", text: t("seed.new") });
      btn.addEventListener("click", () => {
        cfg.seed = Math.floor(Math.random() * 2 ** 31);
        renderTraining();
        configChanged();
      });
      el.querySelector(".param-inputs").appendChild(btn);
    }
    box.appendChild(el);
  }
  applyHide();
}
