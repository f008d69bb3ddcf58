// The step cursor: one step shown by every view (the charts' cursors, the scrubber, the
// teaching panel), and the teaching panel kept on the selected run.

import { PALETTE } from "./controls.js";
import { getLang, t } from "./i18n.js";
import { $, app, pageChanged } from "./state.js";

/** The teaching panel on the selected run (rebuilt when `force`), at the current step. */
export function updateTeach(force) {
  if (!app.teach || !app.config) return;
  const i = app.selected;
  const run = app.config.runs[i];
  if (force) app.teach.key = null;
  app.teach.setRun(app.catalog, run, i, PALETTE[app.colorOf(i)].hex, getLang());
  if (app.dataset) app.teach.setStep(app.dataset, i, app.step);
}

let teachTimer = 0;
/** Show step `s` (clamped to the answer) everywhere; the address follows unless playing. */
export function setStep(s, { force = false, fromPlayback = false } = {}) {
  const max = app.dataset ? app.dataset.steps : Number($("scrubber").max) || 0;
  const step = Math.max(0, Math.min(Math.round(s), Math.max(max, 0)));
  if (step === app.step && !force) return;
  app.step = step;
  const v = app.views;
  v.contour.setCursor(step);
  v.lr.setCursor(step);
  v.loss.setCursor(step);
  v.state.setCursor(step);
  if (app.page.view === "3d") v.surface3d.setCursor(step);
  const scrub = $("scrubber");
  if (Number(scrub.value) !== step) scrub.value = String(step);
  scrub.setAttribute("aria-valuetext", t("play.stepOf", { t: step, n: max }));
  $("step-readout").textContent = t("play.stepOf", { t: step, n: max });
  if (fromPlayback) {
    // The teaching panel rebuilds DOM: at most ten times a second while playing.
    if (!teachTimer) {
      teachTimer = setTimeout(() => {
        teachTimer = 0;
        updateTeach(false);
      }, 100);
    }
  } else {
    updateTeach(false);
  }
  if (app.page.step !== step) {
    app.page.step = step;
    if (!fromPlayback) pageChanged();
  }
  document.dispatchEvent(new CustomEvent("optviz:step", { detail: { step, fromPlayback } }));
}
