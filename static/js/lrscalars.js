// Per-run scalars the lr chart draws beside the lr (the catalog's state quantities with
// `lr_chart: true`: a learning-rate-free method's d_t, Schedule-Free's averaging weight c_t),
// dotted in the run's colour on a second axis at the right, named in the chart's legend.

import { tc } from "./i18n.js";
import { latexToText } from "./math.js";

/** Per run, its lr-chart scalars [{name, symbol, text, log}] (optimizer's, then inner one's). */
export function lrScalarsOf(catalog, runs) {
  return runs.map((run) => {
    const out = [];
    for (const name of [run.optimizer, run.inner && run.inner.optimizer]) {
      const spec = catalog && name && catalog.optimizers.find((o) => o.name === name);
      for (const s of (spec && spec.state) || []) {
        if (!s.lr_chart || out.some((o) => o.name === s.name)) continue;
        const symbol = s.symbol ? latexToText(s.symbol) : s.name;
        out.push({ name: s.name, symbol, log: Boolean(s.log),
          text: `${symbol} (${tc(s, "help").split(/[:：;；]/)[0].trim()})` });
      }
    }
    return out;
  });
}

/**
 * The second axis's series for the visible `runs`: [{run, name, symbol, text, log, values}] with
 * the values streamed (state.<name>); a scalar the stream did not bring is left out.
 */
export function lrScalarSeries(dataset, runs, style) {
  const out = [];
  for (const i of runs) {
    const r = dataset.runs[i];
    for (const s of (style.lrScalars && style.lrScalars[i]) || []) {
      const st = r.state[s.name];
      if (st) out.push({ run: i, ...s, values: st.x });
    }
  }
  return out;
}

/** The right axis for the series: log when any asks for it or they span over two decades. */
export function lrScalarAxis(series) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    const r = s.values;
    for (let k = 0; k < r.length; k += 1) {
      const v = r[k];
      if (Number.isFinite(v) && v > 0) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  }
  const log = series.some((s) => s.log) || (hi > 0 && lo > 0 && hi / lo > 100);
  const symbols = [...new Set(series.map((s) => s.symbol))].join(", ");
  // A short log axis labels digits only (2, 5) unless it has one tick per decade (whose labels
  // Plotly draws 1.25 times the tick font).
  // Its own round ticks ("sync", Plotly's default for an overlaying axis, puts them at the left
  // axis's grid lines: 0.07, 0.772, 1.474); it draws no grid, so nothing needs to line up.
  return { overlaying: "y", side: "right", type: log ? "log" : "linear", tickmode: "auto", showgrid: false, zeroline: false,
    ...(log ? { dtick: 1 } : {}), tickfont: { size: 10 },
    exponentformat: "power", title: { text: symbols, standoff: 2 }, automargin: true };
}
