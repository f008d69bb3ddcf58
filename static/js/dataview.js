// The data behind a data surface: on linear and logistic regression the two coordinates of the
// loss surface are the model's weight w and bias b, so this card draws the data set and each
// visible run's model at the current step (the fitted line; for logistic regression the
// probability curve and the decision boundary), with the step's mini-batch highlighted.
// Data and batches come from GET /api/data (the runner's own draws).

import { extendStrings, t } from "./i18n.js";
import { PALETTE } from "./controls.js";

extendStrings({
  en: {
    "data.title": "The data and the model at this step",
    "data.hintRegression": "Each point is a sample (x, y); each line is a run's model y = w·x + b at the current step (w, b: its position on the surface).",
    "data.hintClassification": "Each point is a sample with its label 0 or 1; each curve is a run's P(y = 1) = σ(w·x + b) at the current step, the dashed line its decision boundary.",
    "data.samples": "samples",
    "data.batch": "mini-batch of this step",
    "data.fullBatch": "Full batch: every step uses all {n} samples.",
    "data.batchInfo": "Batch of {b} of {n} samples; step {s} uses the highlighted ones.",
    "data.beyond": "Batches are listed up to step {s}.",
    "data.boundary": "boundary",
    "data.x": "x (feature)",
    "data.y": "y (target)",
    "data.p": "P(y = 1)",
  },
  zh: {
    "data.title": "数据与当前步的模型",
    "data.hintRegression": "每个点是一个样本 (x, y)；每条直线是一次运行在当前步的模型 y = w·x + b（w、b 即它在曲面上的位置）。",
    "data.hintClassification": "每个点是一个样本及其标签 0 或 1；每条曲线是一次运行在当前步的 P(y = 1) = σ(w·x + b)，虚线是它的决策边界。",
    "data.samples": "样本",
    "data.batch": "本步的小批量",
    "data.fullBatch": "全批量：每一步都使用全部 {n} 个样本。",
    "data.batchInfo": "批大小 {b}，共 {n} 个样本；第 {s} 步使用高亮的样本。",
    "data.beyond": "小批量只列到第 {s} 步。",
    "data.boundary": "边界",
    "data.x": "x（特征）",
    "data.y": "y（目标）",
    "data.p": "P(y = 1)",
  },
});

const FONT = { family: "system-ui, -apple-system, 'Segoe UI', 'Noto Sans SC', sans-serif", size: 12, color: "#1f2933" };
const CONFIG = { displaylogo: false, responsive: true, showSendToCloud: false, showEditInChartStudio: false,
  modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines", "hoverClosestCartesian", "hoverCompareCartesian"] };

const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const sigmoid = (z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

export class DataView {
  /** `card`: the section to show or hide; `ctx`: { app, runName(i) }. */
  constructor(card, ctx) {
    this.card = card;
    this.gd = card.querySelector(".plot");
    this.info = card.querySelector(".data-info");
    this.hint = card.querySelector(".data-hint");
    this.ctx = ctx;
    this.query = null;
    this.data = null;
    this.abort = null;
    this.drawn = false;
    this.timer = 0;
    document.addEventListener("optviz:step", (ev) => this.onStep(ev.detail.fromPlayback));
  }

  /** A step change: redraw now, or at most ~15 times a second while playing. */
  onStep(fromPlayback) {
    if (this.card.hidden || !this.data) return;
    if (!fromPlayback) {
      this.draw();
      return;
    }
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = 0;
        this.draw();
      }, 66);
    }
  }

  /** Called after every new answer (by the page's updateDataView) and when the language changes:
   * fetch if the query changed, then draw. */
  update() {
    const { app } = this.ctx;
    const surface = app.config && app.config.surface;
    const spec = surface && app.catalog.surfaces.find((s) => s.name === surface.name);
    const isData = Boolean(spec && spec.kind === "data");
    this.card.hidden = !isData;
    document.querySelector(".plot-grid").classList.toggle("with-data", isData);
    if (!isData) {
      this.data = null;
      this.query = null;
      return;
    }
    if (app.canonical && app.canonical !== this.query) {
      this.fetch(app.canonical);
      return;
    }
    if (this.data) this.draw();
  }

  async fetch(query) {
    this.query = query;
    if (this.abort) this.abort.abort();
    this.abort = new AbortController();
    try {
      const resp = await fetch(`/api/data?${query}`, { signal: this.abort.signal });
      if (!resp.ok) return;
      const data = await resp.json();
      if (this.query !== query) return;
      this.data = data;
      this.draw();
    } catch (err) {
      if (err && err.name === "AbortError") return;
      throw err;
    }
  }

  /** The sample indices of step s's mini-batch (null: full batch or not listed). */
  batchAt(s) {
    const d = this.data;
    if (!d || !d.batch_size || s < 1 || s > d.covers_steps) return null;
    const e = Math.floor((s - 1) / d.per_epoch);
    const j = (s - 1) % d.per_epoch;
    return d.epochs[e].slice(j * d.batch_size, (j + 1) * d.batch_size);
  }

  draw() {
    const { app } = this.ctx;
    const d = this.data;
    const ds = app.dataset;
    if (!d || !ds || this.card.hidden) return;
    const step = app.step;
    const classify = d.kind === "classification";
    const xmin = Math.min(...d.x);
    const xmax = Math.max(...d.x);
    const pad = 0.05 * (xmax - xmin || 1);
    const xs = [xmin - pad, xmax + pad];
    const batch = this.batchAt(step);
    const traces = [{
      type: "scatter", mode: "markers", name: t("data.samples"), x: d.x, y: d.y,
      marker: { color: "rgba(82, 96, 109, 0.55)", size: 7, line: { width: 0 } },
      hovertemplate: "x=%{x:.4g}<br>y=%{y:.4g}<extra></extra>",
    }];
    if (batch) {
      traces.push({
        type: "scatter", mode: "markers", name: t("data.batch"),
        x: batch.map((k) => d.x[k]), y: batch.map((k) => d.y[k]),
        marker: { symbol: "circle-open", color: "#111827", size: 14, line: { width: 2.5 } },
        hoverinfo: "skip",
      });
    }
    const off = new Set(app.page.off || []);
    const shapes = [];
    ds.runs.forEach((_, i) => {
      if (off.has(i)) return;
      const [w, b] = ds.point(i, step);
      if (!Number.isFinite(w) || !Number.isFinite(b)) return;
      const color = PALETTE[app.colorOf(i)].hex;
      const name = esc(this.ctx.runName(i));
      if (classify) {
        const n = 120;
        const gx = Array.from({ length: n + 1 }, (_, k) => xs[0] + ((xs[1] - xs[0]) * k) / n);
        traces.push({
          type: "scatter", mode: "lines", name: `${name}: σ(${w.toPrecision(3)}·x ${b < 0 ? "−" : "+"} ${Math.abs(b).toPrecision(3)})`,
          x: gx, y: gx.map((x) => sigmoid(w * x + b)), line: { color, width: 2.5 },
          hovertemplate: `${name}<br>x=%{x:.4g}<br>P=%{y:.4g}<extra></extra>`,
        });
        if (Math.abs(w) > 1e-12) {
          const xb = -b / w;
          if (xb >= xs[0] && xb <= xs[1]) {
            shapes.push({ type: "line", x0: xb, x1: xb, y0: -0.1, y1: 1.1, line: { color, width: 2, dash: "dash" } });
          }
        }
      } else {
        traces.push({
          type: "scatter", mode: "lines", name: `${name}: y = ${w.toPrecision(3)}·x ${b < 0 ? "−" : "+"} ${Math.abs(b).toPrecision(3)}`,
          x: xs, y: xs.map((x) => w * x + b), line: { color, width: 2.5 },
          hovertemplate: `${name}<br>x=%{x:.4g}<br>y=%{y:.4g}<extra></extra>`,
        });
      }
    });
    const ys = d.y;
    const yr = classify ? [-0.12, 1.12] : [Math.min(...ys) - 0.5, Math.max(...ys) + 0.5];
    const layout = {
      font: FONT, margin: { l: 52, r: 10, t: 8, b: 44 }, showlegend: true,
      legend: { orientation: "h", y: -0.22, x: 0, font: { size: 11 } },
      xaxis: { title: { text: t("data.x") }, range: xs, zeroline: false },
      yaxis: { title: { text: classify ? t("data.p") : t("data.y") }, range: yr, zeroline: false },
      shapes, hovermode: "closest", paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fff",
      uirevision: this.query,
    };
    window.Plotly.react(this.gd, traces, layout, CONFIG);
    this.drawn = true;
    this.gd.dataset.step = String(step);
    this.gd.dataset.batch = batch ? batch.join(",") : "";
    this.hint.textContent = t(classify ? "data.hintClassification" : "data.hintRegression");
    this.info.textContent = d.batch_size
      ? `${t("data.batchInfo", { b: d.batch_size, n: d.n_samples, s: step })}${d.covers_steps < d.steps ? ` ${t("data.beyond", { s: d.covers_steps })}` : ""}`
      : t("data.fullBatch", { n: d.n_samples });
  }
}
