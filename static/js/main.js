// Wiring: reads the address, loads the catalog and config, builds the views and binds the
// controls; everything else lives in a module with one job:
//   state.js (the app record, onStateChange: the address bar), status.js (status, notices,
//   field errors), stream.js (requests, cancellation, merging answers), draw.js (what is drawn
//   from the state), legend.js (legends, alerts, state chips), playback.js (the step cursor,
//   play/pause/step/speed, keyboard shortcuts), runlist.js (run cards), surfacecontrols.js,
//   training.js, display.js (the other controls), exportmenu.js (the menu; its work, export.js,
//   loads on use).
//
// Data flows one way: address -> /api/config -> config -> /api/trajectory stream -> views.
// Every edit bumps a sequence number; a newer request aborts the older one, and an answer whose
// sequence number is not the latest is never drawn.

import { Classroom, playOnceWhenReady } from "./classroom.js";
import { ApiError, getCatalog, getConfig } from "./api.js";
import { PALETTE } from "./controls.js";
import { applyHide, bindViewsControls, setMode } from "./display.js";
import { drawHeavy } from "./draw.js";
import { initExport } from "./exportmenu.js";
import { applyI18n, getLang, setLang, tc } from "./i18n.js";
import { renderLegend, renderRunLegends } from "./legend.js";
import { usePalette } from "./palette.js";
import { runNames } from "./names.js";
import { bindKeys, bindPlayback, pause, pickStep, play, setStep, updateTeach } from "./playback.js";
import { ContourView, LineView, StateView, Surface3DView } from "./plots.js";
import { bindAddRun, renderRunCard, renderRuns } from "./runlist.js";
import { $, app, onStateChange, pageChanged, style } from "./state.js";
import { renderStatus, setStatus, showFieldErrors, showNotice } from "./status.js";
import { compute, configChanged, loadSurface } from "./stream.js";
import { bindSurfaceControls, onDragStart, onViewChange, renderSurfaceControls, setStart } from "./surfacecontrols.js";
import { TeachPanel } from "./teach.js";
import { renderTraining } from "./training.js";
import { HIDEABLE, splitQuery } from "./urlstate.js";
import "./layout.js"; // the drawer and section bar on tablets and phones

/** Every text of the page again, in the language just chosen. */
function renderAllText() {
  applyI18n();
  renderStatus();
  renderRunLegends.key = null;
  if (app.dataset) renderRunLegends(app.dataset, style());
  renderLegend();
  $("lang").value = getLang();
  renderSurfaceControls();
  renderRuns();
  renderTraining();
  bindPlayback();
  setStep(app.step, { force: true });
  $("state-chips").dataset.key = "";
  if (app.dataset) drawHeavy();
  updateTeach(true);
  if (app.classroom) app.classroom.renderText();
  updateDataView();
  if (app.animation && app.animation.render) app.animation.render();
}

/** The data view of data surfaces, its module loaded the first time one is shown. */
function updateDataView() {
  if (app.dataView && app.dataView.update) {
    app.dataView.update();
    return;
  }
  const surface = app.config && app.catalog && app.catalog.surfaces.find((s) => s.name === app.config.surface.name);
  if (app.dataView || !surface || surface.kind !== "data") return;
  app.dataView = true; // loading
  import("./dataview.js").then(({ DataView }) => {
    app.dataView = new DataView($("data-card"), {
      app,
      runName: (i) => runNames(app.catalog, app.config.runs)[i],
    });
    app.dataView.update();
  });
}

/** Call `fn` once when `el` comes within 300 px of the screen (at once without an observer). */
function whenNear(el, fn) {
  if (!el || typeof IntersectionObserver === "undefined") {
    fn();
    return;
  }
  const io = new IntersectionObserver((entries) => {
    if (!entries.some((e) => e.isIntersecting)) return;
    io.disconnect();
    fn();
  }, { rootMargin: "300px 0px" });
  io.observe(el);
}

// ------------------------------------------------------------------ start

async function main() {
  // No share / Chart Studio / cloud link on any chart of the page (maps included).
  if (window.Plotly && window.Plotly.setPlotConfig) {
    window.Plotly.setPlotConfig({ showSendToCloud: false, showEditInChartStudio: false, showLink: false,
      plotlyServerURL: "", displaylogo: false });
  }
  // A link with nothing in it opens the first screen: the catalog's race of four optimizers.
  const firstScreen = window.location.search.replace(/^\?/, "") === "";
  let { apiQuery, page, warnings } = splitQuery(window.location.search);
  app.page = page;
  setLang(page.lang);
  applyI18n();
  $("lang").value = getLang();
  setStatus("status.computing");
  const knownHide = new Set(HIDEABLE);
  const textsLang = page.lang; // the catalog's texts: in English only for a page in English
  let catalog;
  let decoded;
  try {
    if (firstScreen) {
      catalog = await getCatalog(textsLang);
      ({ apiQuery, page, warnings } = splitQuery(`?${catalog.first_screen || ""}`));
      app.page = page;
      decoded = await getConfig(apiQuery);
    } else {
      [catalog, decoded] = await Promise.all([getCatalog(textsLang), getConfig(apiQuery)]);
    }
  } catch (err) {
    setStatus("status.error");
    showNotice("notice.serverError", err instanceof ApiError ? err.details : [{ field: "", msg: String(err) }]);
    return;
  }
  app.catalog = catalog;
  usePalette(catalog.palette);
  $("formula").maxLength = Math.min(catalog.limits.max_expression_chars, catalog.expression.max_length);
  app.config = decoded.config;
  app.canonical = decoded.query || "";
  for (const o of catalog.optimizers) for (const p of o.params) knownHide.add(p.name);
  for (const s of catalog.schedules) for (const p of s.params) knownHide.add(p.name);
  const unknownHide = app.page.hide.filter((k) => !knownHide.has(k));
  if (unknownHide.length) {
    warnings.push({ field: "p.hide", msg: `unknown control ${unknownHide.join(", ")}, ignored` });
    app.page.hide = app.page.hide.filter((k) => knownHide.has(k));
  }
  if (app.page.sel >= app.config.runs.length) {
    warnings.push({ field: "p.sel", msg: "no such run, using the default" });
    app.page.sel = 0;
  }
  app.page.colors = app.page.colors.slice(0, app.config.runs.length);
  app.page.off = app.page.off.filter((i) => i < app.config.runs.length);
  showNotice("notice.title", [...(decoded.warnings || []), ...warnings]);

  app.views.contour = new ContourView($("contour-plot"),
    { paths: $("contour-paths"), trail: $("contour-trail"), cursor: $("contour-cursor") },
    { onClickPoint: setStart, onDragStart, onViewChange });
  app.views.contour.stretch = app.page.stretch;
  app.views.surface3d = new Surface3DView($("surface3d-plot"));
  app.views.lr = new LineView($("lr-plot"), $("lr-cursor"), "lr", pickStep);
  app.views.loss = new LineView($("loss-plot"), $("loss-cursor"), "loss", pickStep);
  app.views.state = new StateView($("state-plot"), $("state-cursor"), pickStep);
  app.teach = new TeachPanel($("teach"));
  // The maps card's code loads when the card comes near the screen (or at once for a link with
  // a map): the first screen does not show it.
  const initialSearch = window.location.search;
  const mapsHost = {
    catalog,
    contour: app.views.contour,
    config: () => app.config,
    canonical: () => app.canonical,
    colorOf: (i) => app.colorOf(i),
    runLabel: (i) => {
      const run = app.config.runs[i];
      const spec = catalog.optimizers.find((o) => o.name === run.optimizer);
      return run.label || (spec ? tc(spec, "label") : run.optimizer);
    },
    setRunParam(i, path, name, value) {
      const run = app.config.runs[i];
      (path === "params" ? run.params : run.inner.params)[name] = value;
    },
    runParamsChanged(i) {
      renderRunCard(i);
      configChanged();
    },
    onQueryChange: () => onStateChange(),
    showErrors: (details) => showFieldErrors(details.filter((d) => !d.field.startsWith("map"))
      .map((d) => ({ ...d, field: d.field.replace(/^config\./, "") }))),
  };
  const loadMaps = () => import("./maps.js").then(({ MapsPanel }) => {
    if (app.maps) return;
    app.maps = new MapsPanel($("maps"), mapsHost);
    app.maps.setInitial(initialSearch);
  });
  if (/(?:^|[?&])(?:hmap|basin)\./.test(initialSearch)) await loadMaps();
  else {
    whenNear($("maps").closest(".card"), () => loadMaps().then(() => app.maps.render()));
  }

  renderLegend();
  renderSurfaceControls();
  bindSurfaceControls();
  renderRuns();
  bindAddRun();
  renderTraining();
  bindPlayback();
  bindKeys();
  bindViewsControls({ renderAllText });
  initExport(app, { style });
  // The animation export loads with the Export menu's first opening (its encoders later still).
  $("export-menu").addEventListener("toggle", () => {
    if (app.animation || !$("export-menu").open) return;
    app.animation = true;
    import("./animation.js").then(({ AnimationExport }) => {
      app.animation = new AnimationExport(document.querySelector(".export-panel"), {
        app, setStep, pause,
        colorOf: (i) => PALETTE[app.colorOf(i)].hex,
        runName: (i) => runNames(app.catalog, app.config.runs)[i],
      });
    });
  });
  applyHide();
  app.step = app.page.step;
  if (app.page.view === "3d") setMode("3d");
  updateTeach(true);
  onStateChange({ now: true });
  window.addEventListener("resize", () => {
    if (app.dataset) app.views.contour.redrawAll();
  });
  compute();
  loadSurface();
  updateDataView();
  document.addEventListener("optviz:drawn", updateDataView);
  app.classroom = new Classroom({ app, catalog, pageChanged, writeNow: () => onStateChange({ now: true }) });
  app.classroom.init();
  if (firstScreen) playOnceWhenReady(app, play);
  window.optviz = { app, setStep, play, pause, configChanged };
}


main();
