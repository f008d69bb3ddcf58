// The list of runs: one card per run (rebuilt when a run's structure changes), the cards'
// actions on the app state (colour, show, select, duplicate, remove), and "Add run".

import { PALETTE, defaults } from "./controls.js";
import { applyHide } from "./display.js";
import { restyle } from "./draw.js";
import { updateRunStatus } from "./legend.js";
import { RunCard } from "./runs.js";
import { $, app, pageChanged, shiftPageRuns } from "./state.js";
import { updateTeach } from "./playback.js";
import { configChanged } from "./stream.js";
import { renderRunLimit, renderTraining, runLimitReason } from "./training.js";

// The run cards' actions on the app state (a RunCard calls them on the record it is given).
Object.assign(app, {
  onRunChanged(i, opts) {
    if (opts.structural) renderRunCard(i);
    configChanged();
    if (app.maps) app.maps.refreshMarker();
  },
  setColor(i, k) {
    const colors = app.config.runs.map((_, j) => app.colorOf(j));
    colors[i] = k;
    app.page.colors = colors.every((c, j) => c === j % PALETTE.length) ? [] : colors;
    renderRunCard(i);
    restyle();
    pageChanged();
  },
  setVisible(i, on) {
    const off = new Set(app.page.off);
    if (on) off.delete(i);
    else off.add(i);
    app.page.off = [...off].sort((a, b) => a - b);
    restyle();
    pageChanged();
  },
  select(i) {
    app.page.sel = i;
    updateTeach(true);
    pageChanged();
  },
  runLimit: () => runLimitReason(),
  duplicateRun(i) {
    if (runLimitReason()) return;
    app.config.runs.splice(i + 1, 0, structuredClone(app.config.runs[i]));
    shiftPageRuns(i + 1, +1, app.colorOf(i) === i % PALETTE.length ? null : app.colorOf(i));
    renderRuns();
    configChanged();
  },
  removeRun(i) {
    if (app.config.runs.length <= 1) return;
    app.config.runs.splice(i, 1);
    shiftPageRuns(i, -1);
    renderRuns();
    configChanged();
  },
});

/** Rebuild run i's card (keeping whether it is collapsed). */
export function renderRunCard(i) {
  const old = app.cards[i];
  const card = new RunCard(app, i, app.config.runs[i]);
  if (old) {
    card.collapsed = old.collapsed;
    card.render();
    old.el.replaceWith(card.el);
  }
  app.cards[i] = card;
  applyHide();
}

/** Rebuild every run card (and the maps card's run list). */
export function renderRuns() {
  const box = $("runs");
  const collapsed = app.cards.map((c) => c.collapsed);
  app.cards = app.config.runs.map((run, i) => {
    const card = new RunCard(app, i, run);
    if (collapsed[i] && i < collapsed.length) {
      card.collapsed = true;
      card.render();
    }
    return card;
  });
  box.replaceChildren(...app.cards.map((c) => c.el));
  renderRunLimit();
  if (app.catalog && $("training").childElementCount) renderTraining(); // the steps' cap follows the runs
  if (app.maps) app.maps.render();
  if (app.dataset) updateRunStatus(app.dataset);
  applyHide();
}

function newRun() {
  const used = new Set(app.config.runs.map((r) => r.optimizer));
  const spec = app.catalog.optimizers.find((o) => !o.wraps && !used.has(o.name))
    || app.catalog.optimizers.find((o) => !o.wraps);
  return { optimizer: spec.name, params: defaults(spec.params) };
}

/** "Add run": a run of the first optimizer not yet used, up to the limit. */
export function bindAddRun() {
  $("add-run").addEventListener("click", () => {
    if (runLimitReason()) return;
    app.config.runs.push(newRun());
    shiftPageRuns(app.config.runs.length - 1, +1);
    renderRuns();
    configChanged();
  });
}
