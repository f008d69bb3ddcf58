// The training settings shared by every run: steps, gradient noise, seed (with a "new seed"
// button) and, on data surfaces, the mini-batch size.

import { h, paramControl } from "./controls.js";
import { applyHide } from "./display.js";
import { t } from "./i18n.js";
import { $, app } from "./state.js";
import { configChanged } from "./stream.js";

/** The run settings' controls (the catalog's `settings`), steps capped by the server's limits:
 * its steps per run and its steps-times-runs budget over the current runs. */
function configSpecs() {
  const { limits, settings } = app.catalog;
  return ["steps", "noise", "seed", "batch_size"].map((name) => {
    const spec = { ...settings[name] };
    if (name === "steps") {
      const most = Math.min(spec.max, limits.max_steps, Math.floor(limits.max_run_steps / app.config.runs.length));
      spec.max = most;
      spec.slider_max = Math.min(spec.slider_max, most);
      spec.range = `an integer in [${spec.min}, ${most}]`;
    }
    return spec;
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
      if (spec.name === "steps") {
        $("scrubber").max = String(v);
        renderRunLimit();
      }
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

/** Why no run can be added (the server's limits on runs and on steps times runs), or "". */
export function runLimitReason() {
  const { limits } = app.catalog;
  const n = app.config.runs.length;
  if (n >= limits.max_runs) return t("run.maxRuns", { n: limits.max_runs });
  if ((n + 1) * app.config.steps > limits.max_run_steps) {
    return t("run.maxBudget", { budget: limits.max_run_steps, steps: Math.floor(limits.max_run_steps / (n + 1)) });
  }
  return "";
}

/** The add-run button and its reason when it is off. */
export function renderRunLimit() {
  const reason = runLimitReason();
  $("add-run").disabled = Boolean(reason);
  $("add-run").title = reason;
  $("runs-limit").textContent = reason;
  $("runs-limit").hidden = !reason;
}
