// The app state: one record (the config the server validated + the page-only state), the
// mutations that keep page-only run state attached to its runs, and the one place the address
// bar is written from (onStateChange). Every other module reads and edits this record.

import { companionsOf } from "./companions.js";
import { lrScalarsOf } from "./lrscalars.js";
import { PALETTE } from "./controls.js";
import { runNames } from "./names.js";
import { composeSearch } from "./urlstate.js";

export const $ = (id) => document.getElementById(id);

export const app = {
  catalog: null,
  config: null,
  canonical: "",
  page: null,
  dataset: null,
  complete: null, // the last complete answer (its traces are reused for unchanged runs)
  step: 0,
  playing: false,
  seq: 0,
  inflight: 0, // the sequence number of the request being answered (0: none)
  pointsSeq: 0, // the sequence number of the last request asked for points only (0: none)
  editSeq: 0,
  drawnSeq: 0,
  controller: null,
  surfaceController: null,
  surfaceKey: null,
  surface: null,
  cards: [],
  views: {},
  teach: null,
  fieldErrors: [],

  // --- read by the run cards (their actions are added by runlist.js)
  runCount: () => app.config.runs.length,
  colorOf: (i) => (Number.isInteger(app.page.colors[i]) ? app.page.colors[i] : i % PALETTE.length),
  isVisible: (i) => !app.page.off.includes(i),
  get selected() {
    return Math.min(app.page.sel, app.config.runs.length - 1);
  },
};

// Keep colours / visibility / selection attached to the same runs when runs are inserted/removed.
export function shiftPageRuns(at, delta, newColor = null) {
  const n = app.config.runs.length;
  const oldN = n - delta;
  const colors = Array.from({ length: oldN }, (_, j) => app.colorOf(j));
  const off = new Set(app.page.off);
  if (delta > 0) {
    colors.splice(at, 0, newColor ?? firstFreeColor(colors));
    app.page.off = [...off].map((j) => (j >= at ? j + 1 : j));
    if (app.page.sel >= at) app.page.sel += 1;
  } else {
    colors.splice(at, 1);
    off.delete(at);
    app.page.off = [...off].map((j) => (j > at ? j - 1 : j));
    if (app.page.sel > at || app.page.sel >= n) app.page.sel = Math.max(0, app.page.sel - 1);
  }
  app.page.colors = colors.every((c, j) => c === j % PALETTE.length) ? [] : colors;
}

function firstFreeColor(used) {
  for (let k = 0; k < PALETTE.length; k += 1) if (!used.includes(k)) return k;
  return used.length % PALETTE.length;
}

/** The runs' colours, visibility and names as every view draws them. */
export function style() {
  return {
    colors: app.config.runs.map((_, i) => PALETTE[app.colorOf(i)].hex),
    visible: app.config.runs.map((_, i) => app.isVisible(i)),
    names: runNames(app.catalog, app.config.runs),
    companions: companionsOf(app.catalog, app.config.runs, app.page.companions !== false),
    lrScalars: lrScalarsOf(app.catalog, app.config.runs),
  };
}

// ------------------------------------------------------------------ address bar

let urlTimer = 0;
function writeURL() {
  urlTimer = 0;
  const maps = app.maps ? app.maps.query() : "";
  const search = composeSearch([app.canonical, maps].filter(Boolean).join("&"), app.page);
  if (search !== window.location.search) {
    window.history.replaceState(null, "", `${window.location.pathname}${search}`);
  }
}

/** The one place the address bar is written from (throttled; replaceState, never push). */
export function onStateChange({ now = false } = {}) {
  if (now) {
    clearTimeout(urlTimer);
    writeURL();
    return;
  }
  if (!urlTimer) urlTimer = setTimeout(writeURL, 150);
}

/** Page-only state changed (no new computation): the address follows. */
export function pageChanged() {
  onStateChange();
}
