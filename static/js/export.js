// The export menu's work (loaded when a button is first pressed): the drawn trajectory as CSV and JSON, each figure (the hyperparameter map
// too, once computed) as PNG and SVG, the computed maps' cells as CSV, and the Python script that
// reproduces the runs and maps (from GET /api/snippet, the one place it is written).
//
// Files are made in the page and saved through Blob URLs (the CSP allows blob: downloads). The
// contour's paths live on canvases over Plotly's plot, so its image is drawn from a temporary
// figure: the contour traces (with the basin map when it is shown) plus one scatter trace per path.

import { ApiError, fetchStart, streamTrajectory } from "./api.js";
import { Dataset, decimate } from "./data.js";
import { t, tc } from "./i18n.js";
import { OVERLAY_AXES } from "./plots.js";
import { escapePlotly, runMarks, runNames } from "./names.js";
import { pageQuery } from "./urlstate.js";

const SERIES = [["x", "x"], ["y", "y"], ["loss", "loss"], ["lr", "lr"], ["grad_x", "gx"], ["grad_y", "gy"]];
const INK = "#1f2933";
const SIZES = { contour: [900, 760], loss: [900, 440], lr: [900, 440], state: [900, 0], hyper: [900, 720] };

/** A number as the shortest text that reads back exactly (and -0 keeps its sign). */
export function numberText(v) {
  if (Object.is(v, -0)) return "-0.0";
  return Number.isFinite(v) ? String(v) : "";
}

/** A text cell that a spreadsheet would read as a formula (= + - @, or a tab / carriage return
 * that some strip first): a run label such as =HYPERLINK(...) must stay text when opened. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV cell: text starting like a formula gets a leading ' (shown as text by spreadsheets),
 * then quoting where needed. Numbers never pass through here (numberText), so -1.5 stays a
 * number. */
export function csvCell(v) {
  let s = String(v ?? "");
  if (typeof v === "string" && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function jsonNumbers(arr, n) {
  const out = new Array(n);
  for (let k = 0; k < n; k += 1) out[k] = Number.isFinite(arr[k]) ? numberText(arr[k]) : "null";
  return `[${out.join(",")}]`;
}

/** "optviz-rosenbrock-2025-01-31" (a formula surface is "formula"), safe as a file name. */
function baseName(config) {
  const s = config.surface || {};
  const name = s.name || "formula";
  const d = new Date();
  const pad = (v) => String(v).padStart(2, "0");
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return `optviz-${String(name).replace(/[^A-Za-z0-9_-]+/g, "_")}-${date}`;
}

/** A data: URL (base64 or percent-encoded) as a Blob, without fetch (connect-src is 'self'). */
function dataUrlBlob(url) {
  const comma = url.indexOf(",");
  const head = url.slice(5, comma);
  const type = head.split(";")[0] || "application/octet-stream";
  const body = url.slice(comma + 1);
  if (head.endsWith(";base64")) {
    const bin = atob(body);
    const bytes = new Uint8Array(bin.length);
    for (let k = 0; k < bin.length; k += 1) bytes[k] = bin.charCodeAt(k);
    return new Blob([bytes], { type });
  }
  return new Blob([decodeURIComponent(body)], { type });
}

function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.rel = "noopener";
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// The stream's effective_lr is -delta / g per coordinate: no learning rate (it flips sign and
// spikes where g crosses zero), so the files name it for what it is.
const EXPORT_NAMES = { effective_lr: "update_ratio" };
const exportName = (n) => EXPORT_NAMES[n] || n;

/** The step's scalar factors present in any run (bias corrections, ...), first-seen order. */
function factorNames(ds) {
  const names = [];
  for (const r of ds.runs) for (const n of Object.keys(r.factors || {})) if (!names.includes(n)) names.push(n);
  return names;
}

/** The run's state names present in any run, in first-seen order (the CSV's extra columns). */
function stateNames(ds) {
  const names = [];
  for (const r of ds.runs) for (const n of r.stateOrder) if (!names.includes(n)) names.push(n);
  return names;
}

/** One row per run and step: run, label, optimizer, step, point, loss, lr, gradient, state. */
export function trajectoryCSV(ds) {
  const names = stateNames(ds);
  const factors = factorNames(ds);
  const head = ["run", "label", "optimizer", "step", ...SERIES.map(([k]) => k),
    ...names.flatMap((n) => [`${exportName(n)}_x`, `${exportName(n)}_y`]), ...factors];
  const lines = [head.map(csvCell).join(",")];
  ds.runs.forEach((r, i) => {
    const run = ds.config.runs[i] || {};
    const lead = `${i},${csvCell(run.label ?? "")},${csvCell(run.optimizer ?? "")}`;
    const cols = [...SERIES.map(([, key]) => r[key]),
      ...names.flatMap((n) => (r.state[n] ? [r.state[n].x, r.state[n].y] : [null, null])),
      ...factors.map((n) => (r.factors && r.factors[n]) || null)];
    for (let k = 0; k < r.n; k += 1) {
      let line = `${lead},${k + 1}`;
      for (const col of cols) line += `,${col ? numberText(col[k]) : ""}`;
      lines.push(line);
    }
  });
  return `${lines.join("\r\n")}\r\n`;
}

/**
 * A map's cells as streamed by /api/map/<kind>, one row per cell: i, j (column and row), the
 * cell's x and y values (a hyperparameter map names them after its hyperparameters), then every
 * streamed quantity in stream order (empty where the stream has null); a basin map adds the
 * reached minimum's x and y (basin_x, basin_y; empty for -1 diverged and -2 still moving).
 * `data`: {start, rows, basins} as the maps card keeps them.
 */
export function mapCSV(kind, data) {
  const { start, rows, basins } = data;
  const names = Object.keys(rows);
  const axes = kind === "hyper" ? [start.map.x.param, start.map.y.param] : ["x", "y"];
  const head = ["i", "j", ...axes, ...names, ...(kind === "basin" ? ["basin_x", "basin_y"] : [])];
  const lines = [head.map(csvCell).join(",")];
  for (let j = 0; j < start.y.length; j += 1) {
    for (let i = 0; i < start.x.length; i += 1) {
      let line = `${i},${j},${numberText(start.x[i])},${numberText(start.y[j])}`;
      for (const name of names) {
        const v = rows[name][j][i];
        line += `,${v === null ? "" : numberText(v)}`;
      }
      if (kind === "basin") {
        const b = basins[rows.basin[j][i]];
        line += b ? `,${numberText(b.x)},${numberText(b.y)}` : ",,";
      }
      lines.push(line);
    }
  }
  return `${lines.join("\r\n")}\r\n`;
}

/** The configuration, its query and each run's status and arrays, as the stream gave them. */
export function trajectoryJSON(ds, config, query) {
  const runs = ds.runs.map((r, i) => {
    const run = config.runs[i] || {};
    const series = SERIES.map(([name, key]) => `${JSON.stringify(name)}:${jsonNumbers(r[key], r.n)}`);
    const state = r.stateOrder.map((n) => `${JSON.stringify(exportName(n))}:{"x":${jsonNumbers(r.state[n].x, r.n)},"y":${jsonNumbers(r.state[n].y, r.n)}}`);
    const factors = Object.entries(r.factors || {}).map(([n, v]) => `${JSON.stringify(n)}:${jsonNumbers(v, r.n)}`);
    return `{"run":${i},"label":${JSON.stringify(run.label ?? null)},"optimizer":${JSON.stringify(run.optimizer)},`
      + `"status":${JSON.stringify(r.status)},"steps":${r.n},${series.join(",")},"state":{${state.join(",")}},`
      + `"factors":{${factors.join(",")}}}`;
  });
  return `{"format":"optviz-trajectory","config":${JSON.stringify(config)},"query":${JSON.stringify(query)},`
    + `"runs":[\n${runs.join(",\n")}\n]}\n`;
}

// What every function below works on (made once by exportmenu.js's initExport):
// `app` the page's state (dataset, config, catalog, views, page, maps), `style()` the run
// colours and visibility as drawn, `note` the menu's line that says what happened.

/** Say `key` (with `vars`) on the menu's note line ("" clears it). */
function say(ctx, key, vars) {
  ctx.note.textContent = key ? t(key, vars) : "";
}

/** The complete dataset drawn now, with its canonical configuration and query. */
async function current({ app }) {
  const ds = app.dataset;
  if (!ds || !ds.done || ds.seq !== app.seq) return null;
  if (ds.query) return { ds, config: ds.config, query: ds.query };
  // Some runs were reused from an earlier answer: ask the server for the whole config's start
  // record (the stream is cancelled after its first line).
  const rec = await fetchStart(ds.sent || ds.config);
  return rec ? { ds, config: rec.config, query: rec.query || "" } : null;
}

// Names as the page's legends give them, escaped: Plotly would read tags in them.
const runName = ({ app }, config, i) => escapePlotly(runNames(app.catalog, config.runs)[i]);
// A map's run by number and optimizer (its values are what the map varies).
const runTitle = ({ app }, config, i) => {
  const run = config.runs[i];
  if (run.label) return escapePlotly(run.label);
  const spec = app.catalog.optimizers.find((o) => o.name === run.optimizer);
  return `${t("run.title", { n: i + 1 })} · ${spec ? tc(spec, "label") : run.optimizer}`;
};

function surfaceLabel({ app }, config) {
  const s = config.surface;
  if (s.expression !== undefined && s.expression !== null) return escapePlotly(`f(x, y) = ${s.expression}`);
  const spec = app.catalog.surfaces.find((x) => x.name === s.name);
  return spec ? tc(spec, "label") || s.name : s.name;
}

const clone = (v) => structuredClone(v);

function baseLayout(gd, title) {
  return titledLayout(gd.layout || {}, title);
}

function titledLayout(source, title) {
  const layout = clone(source);
  delete layout.uirevision;
  delete layout.height;
  delete layout.width;
  layout.title = { text: title, x: 0.02, xanchor: "left", yref: "container", y: 1, yanchor: "top",
    pad: { t: 16 }, font: { size: 15 } };
  layout.showlegend = true;
  layout.legend = { orientation: "h", x: 0, xanchor: "left", y: 1.02, yanchor: "bottom" };
  layout.margin = { ...(layout.margin || {}), t: 96 };
  return layout;
}

const legendEntry = (name, color, dash) => ({
  type: "scatter", mode: "lines", x: [null], y: [null], name, hoverinfo: "skip", showlegend: true,
  line: { color, width: 2.2, dash },
});

// A square swatch (a map's colour; an open square for a transparent one) or a ring (a run's
// marker on the hyperparameter map).
const swatchEntry = (name, color, ring = false) => {
  const clear = color === "transparent" || /^rgba\(.*,\s*0\)$/.test(color);
  const symbol = ring ? "circle-open" : clear ? "square-open" : "square";
  const c = clear ? INK : color;
  return { type: "scatter", mode: "markers", x: [null], y: [null], name: escapePlotly(name), hoverinfo: "skip",
    showlegend: true, marker: { symbol, size: 12, color: c, line: { color: c, width: ring ? 3 : 1 } } };
};

function visible(ds, st) {
  return ds.runs.map((_, i) => i).filter((i) => st.visible[i] !== false);
}

function contourFigure(ctx, ds, config, st) {
  const { app } = ctx;
  const view = app.views.contour;
  const data = (view.gd.data || []).map((tr) => ({ ...clone(tr), showlegend: false }));
  // With a basin map shown, the contour's other traces are on axes laid over it: so are ours.
  const over = view.gd.layout && view.gd.layout.xaxis2 ? OVERLAY_AXES : {};
  const start = ds.start;
  for (const i of visible(ds, st)) {
    const r = ds.runs[i];
    const x = new Float64Array(r.n + 1);
    const y = new Float64Array(r.n + 1);
    [x[0], y[0]] = start;
    x.set(r.x.subarray(0, r.n), 1);
    y.set(r.y.subarray(0, r.n), 1);
    data.push({ type: "scatter", mode: "lines", x, y, name: runName(ctx, config, i), showlegend: true,
      hoverinfo: "skip", line: { color: st.colors[i], width: 2.2, dash: runMarks(i).dash.plotly }, ...over });
    const diverged = r.status === "diverged";
    data.push({ type: "scatter", mode: "markers", x: [x[r.n]], y: [y[r.n]], showlegend: false, hoverinfo: "skip",
      marker: { symbol: diverged ? "x" : "circle", size: diverged ? 12 : 9, color: st.colors[i], line: { color: "#ffffff", width: 1.5 } },
      ...over });
    // Its companion paths (an average, a perturbed point) as the page draws them: dotted, a ring.
    for (const c of (st.companions && st.companions[i]) || []) {
      const s = r.state[c.name];
      if (!s) continue;
      data.push({ type: "scatter", mode: "lines", x: s.x.subarray(0, r.n), y: s.y.subarray(0, r.n),
        name: escapePlotly(`${runNames(app.catalog, config.runs)[i]}: ${c.text}`), showlegend: true, hoverinfo: "skip",
        line: { color: st.colors[i], width: 1.4, dash: "dot" }, ...over });
      data.push({ type: "scatter", mode: "markers", x: [s.x[r.n - 1]], y: [s.y[r.n - 1]], showlegend: false,
        hoverinfo: "skip", marker: { symbol: "circle-open", size: 10, color: st.colors[i], line: { width: 2 } }, ...over });
    }
  }
  data.push({ type: "scatter", mode: "markers", x: [start[0]], y: [start[1]], showlegend: false, hoverinfo: "skip",
    marker: { symbol: "circle-dot", size: 13, color: "#ffffff", line: { color: INK, width: 2 } }, ...over });
  const entries = view.overlay && app.maps ? app.maps.basinEntries || [] : [];
  for (const e of entries) data.push(swatchEntry(e.label, e.swatch));
  const layout = baseLayout(view.gd, `${t("plot.contour")}: ${surfaceLabel(ctx, config)}`);
  // The view box as zoomed on the page (the configured one before the contour is drawn).
  const fl = view.gd._fullLayout;
  const box = config.surface.view || [];
  const xr = fl && fl.xaxis && fl.xaxis.range ? [...fl.xaxis.range] : box.slice(0, 2);
  const yr = fl && fl.yaxis && fl.yaxis.range ? [...fl.yaxis.range] : box.slice(2, 4);
  layout.xaxis = { ...layout.xaxis, range: xr, autorange: xr.length !== 2 };
  layout.yaxis = { ...layout.yaxis, range: yr, autorange: yr.length !== 2 };
  // The basin map's legend (a line per two entries) gets room above the plot.
  const extra = entries.length ? (Math.ceil((visible(ds, st).length + entries.length) / 2) - 1) * 22 : 0;
  layout.margin.t += extra;
  return { data, layout, height: SIZES.contour[1] + extra };
}

// The loss and lr figures: every visible run's whole curve (min/max decimated as drawn).
function lineFigure(ctx, kind, ds, config, st) {
  const gd = ctx.app.views[kind].gd;
  const data = visible(ds, st).map((i) => {
    const r = ds.runs[i];
    const line = decimate(r[kind], r.n);
    return { type: "scatter", mode: "lines", x: line.x, y: line.y, name: runName(ctx, config, i),
      showlegend: true, hoverinfo: "skip", line: { color: st.colors[i], width: 1.8, dash: runMarks(i).dash.plotly } };
  });
  return { data, layout: baseLayout(gd, t(`plot.${kind}`)) };
}

function stateFigure(ctx, ds, config, st) {
  const gd = ctx.app.views.state.gd;
  const data = (gd.data || []).map((tr) => ({ ...clone(tr), showlegend: false }));
  for (const i of visible(ds, st)) data.push(legendEntry(runName(ctx, config, i), st.colors[i], "solid"));
  data.push(legendEntry("x", "#7b8794", "solid"), legendEntry("y", "#7b8794", "dash"));
  const layout = baseLayout(gd, t("plot.state"));
  return { data, layout, height: ((gd.layout && gd.layout.height) || 300) + 110 };
}

/** A map's data once its stream has ended (null while computing, cancelled or cleared). */
function mapData({ app }, kind) {
  const m = app.maps && app.maps.maps[kind];
  return m && m.data && m.data.complete ? m.data : null;
}

function hyperFigure(ctx) {
  const data = mapData(ctx, "hyper");
  const fig = data && ctx.app.maps.hyperFigure();
  if (!fig) return null;
  const { start } = data;
  const traces = fig.traces.map((tr) => ({ ...clone(tr), showlegend: false }));
  for (const e of fig.legend) traces.push(swatchEntry(e.label, e.color, e.ring));
  const title = `${t("maps.hyper")}: ${runTitle(ctx, start.config, start.map.run)} · ${surfaceLabel(ctx, start.config)}`
    + `<br><sup>${t("export.mapSubtitle", { metric: t(`maps.metric.${fig.metric}`), steps: start.steps,
      nx: start.x.length, ny: start.y.length })}</sup>`;
  const layout = titledLayout(fig.layout, title);
  layout.margin = { ...layout.margin, t: 120, r: 24 };
  return { data: traces, layout, config: start.config };
}

async function hyperImage(ctx, format) {
  const fig = hyperFigure(ctx);
  if (!fig) return say(ctx, "export.mapWait");
  const [width, height] = SIZES.hyper;
  const url = await window.Plotly.toImage({ data: fig.data, layout: fig.layout, config: { staticPlot: true } },
    { format, width, height, scale: format === "png" ? 2 : 1 });
  const name = `${baseName(fig.config)}-hyper-map.${format}`;
  saveBlob(dataUrlBlob(url), name);
  say(ctx, "export.saved", { name });
}

async function mapFile(ctx, kind) {
  const data = mapData(ctx, kind);
  if (!data) return say(ctx, "export.mapWait");
  const name = `${baseName(data.start.config)}-${kind}-map.csv`;
  saveBlob(new Blob([mapCSV(kind, data)], { type: "text/csv" }), name);
  say(ctx, "export.saved", { name });
}

/** Offer what is computed: each complete map's CSV, and the hyperparameter map's image. */
async function image(ctx, format) {
  if (document.getElementById("export-figure").value === "hyper") return hyperImage(ctx, format);
  const got = await current(ctx);
  if (!got) return say(ctx, "export.wait");
  const kind = document.getElementById("export-figure").value;
  const st = ctx.style();
  const fig = kind === "contour" ? contourFigure(ctx, got.ds, got.config, st)
    : kind === "state" ? stateFigure(ctx, got.ds, got.config, st)
      : lineFigure(ctx, kind, got.ds, got.config, st);
  const [width, h0] = SIZES[kind];
  const height = fig.height || h0;
  const url = await window.Plotly.toImage({ data: fig.data, layout: fig.layout, config: { staticPlot: true } },
    { format, width, height, scale: format === "png" ? 2 : 1 });
  const name = `${baseName(got.config)}-${kind}.${format}`;
  saveBlob(dataUrlBlob(url), name);
  say(ctx, "export.saved", { name });
}

/**
 * The drawn trajectory asked for again with every number exact (the page's own answer has its
 * series but the paths rounded to the digits it shows): a file holds what the engine computed.
 */
async function exact(ctx) {
  const got = await current(ctx);
  if (!got) return null;
  let ds = null;
  await streamTrajectory(got.ds.sent || got.config, {
    onRecord(rec) {
      if (rec.type === "start") ds = new Dataset(rec.config, rec.query, 0);
      else if (ds) ds.add(rec);
    },
  });
  return ds && { ds, config: ds.config, query: ds.query };
}

async function data(ctx, format) {
  const got = await exact(ctx);
  if (!got) return say(ctx, "export.wait");
  const name = `${baseName(got.config)}.${format}`;
  const text = format === "csv" ? trajectoryCSV(got.ds) : trajectoryJSON(got.ds, got.config, got.query);
  saveBlob(new Blob([text], { type: format === "csv" ? "text/csv" : "application/json" }), name);
  say(ctx, "export.saved", { name });
}

async function snippetText(ctx) {
  const { app } = ctx;
  const got = await current(ctx);
  if (!got) return null;
  const page = pageQuery(app.page);
  const maps = app.maps ? app.maps.query() : "";
  const query = [got.query, maps, page].filter(Boolean).join("&");
  const response = await fetch(`/api/snippet?${query}`, { headers: { Accept: "text/x-python" } });
  if (!response.ok) throw new ApiError(response.status, [{ field: "", msg: `${response.status} ${response.statusText}` }]);
  return { text: await response.text(), config: got.config };
}

async function snippetDownload(ctx) {
  const got = await snippetText(ctx);
  if (!got) return say(ctx, "export.wait");
  const name = `${baseName(got.config)}.py`;
  saveBlob(new Blob([got.text], { type: "text/x-python" }), name);
  say(ctx, "export.saved", { name });
}

async function snippetCopy(ctx) {
  const got = await snippetText(ctx);
  if (!got) return say(ctx, "export.wait");
  try {
    await navigator.clipboard.writeText(got.text);
    say(ctx, "export.copied");
  } catch {
    say(ctx, "export.copyFailed");
  }
}

/**
 * What each button of the menu does with `ctx` ({app, style, note}); exportmenu.js wires the
 * buttons and loads this module the first time one is pressed.
 */
export const ACTIONS = {
  csv: (c) => data(c, "csv"),
  json: (c) => data(c, "json"),
  png: (c) => image(c, "png"),
  svg: (c) => image(c, "svg"),
  py: snippetDownload,
  "py-copy": snippetCopy,
  "map-hyper": (c) => mapFile(c, "hyper"),
  "map-basin": (c) => mapFile(c, "basin"),
};
