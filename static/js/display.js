// The page's display options: log axes, stretch to fill, 2D or 3D, the language, the notice's
// dismiss button; and what a classroom link hides.

import { withTranslations } from "./api.js";
import { draw3d, restyle } from "./draw.js";
import { getLang, setLang } from "./i18n.js";
import { $, app, pageChanged, style } from "./state.js";

/** Wire the display options; `renderAllText` redraws every text after a language change. */
export function bindViewsControls({ renderAllText }) {
  const log = $("loss-log");
  log.checked = app.page.log;
  log.addEventListener("change", () => {
    app.page.log = log.checked;
    if (app.dataset) app.views.loss.setData(app.dataset, style(), { log: app.page.log });
    pageChanged();
  });
  const lrLog = $("lr-log");
  lrLog.addEventListener("change", () => {
    app.page.lrlog = lrLog.checked;
    if (app.dataset) app.views.lr.setData(app.dataset, style(), { log: app.page.lrlog });
    pageChanged();
  });
  const stretch = $("stretch");
  stretch.checked = app.page.stretch;
  stretch.addEventListener("change", () => {
    app.page.stretch = stretch.checked;
    app.views.contour.setStretch(app.page.stretch);
    if (app.page.view === "3d") draw3d();
    pageChanged();
  });
  const comps = $("companions");
  comps.checked = app.page.companions !== false;
  comps.addEventListener("change", () => {
    app.page.companions = comps.checked;
    restyle();
    pageChanged();
  });
  $("mode-2d").addEventListener("click", () => setMode("2d"));
  $("mode-3d").addEventListener("click", () => setMode("3d"));
  $("lang").addEventListener("change", (ev) => {
    const lang = ev.target.value;
    app.page.lang = lang;
    setLang(app.page.lang);
    renderAllText();
    pageChanged();
    // A page opened in English holds the catalog's English texts only: they follow once its
    // translations are in (a few tens of ms), the page's own strings have changed already.
    if (lang !== "en" && app.catalog.texts === "en") {
      withTranslations(app.catalog).then(() => {
        if (getLang() === lang) renderAllText();
      }).catch(() => {}); // the catalog's texts stay in English
    }
  });
  $("notice-dismiss").addEventListener("click", () => {
    $("notice").hidden = true;
  });
}

/** Show the contour ("2d") or the 3D surface ("3d"). */
export function setMode(mode) {
  app.page.view = mode;
  const is3d = mode === "3d";
  $("mode-2d").setAttribute("aria-pressed", String(!is3d));
  $("mode-3d").setAttribute("aria-pressed", String(is3d));
  $("contour-wrap").hidden = is3d;
  $("contour-legend").hidden = is3d; // the glyphs it explains are the 2D view's
  $("surface3d-plot").hidden = !is3d;
  if (is3d) draw3d();
  else if (app.views.contour.ready) window.Plotly.Plots.resize(app.views.contour.gd);
  pageChanged();
}

/** Hide what a classroom link asks to hide (p.hide=noise,seed,runs or hyperparameter names). */
export function applyHide() {
  const hide = new Set(app.page.hide);
  for (const el of document.querySelectorAll("[data-key]")) {
    const k = el.dataset.key;
    const hidden = hide.has(k);
    if (hidden) el.setAttribute("data-hidden", "1");
    else el.removeAttribute("data-hidden");
  }
  if (hide.has("3d")) {
    $("mode-3d").hidden = true;
  }
}
