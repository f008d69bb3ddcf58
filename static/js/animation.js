// Animation export: the playback as a WebM video (WebCodecs through the vendored mediabunny
// muxer, MediaRecorder where WebCodecs is missing) or an animated GIF (the vendored gifenc), of
// the contour with its paths and optionally the lr and loss charts, over a chosen step range at
// a chosen frame rate, with a progress bar. Each frame is what the page shows at that step: the
// chart images (Plotly.toImage, once) with the page's own overlay canvases drawn on top.

import { extendStrings, t } from "./i18n.js";

extendStrings({
  en: {
    "anim.title": "Animation",
    "anim.from": "from step",
    "anim.to": "to step",
    "anim.every": "steps per frame",
    "anim.fps": "frames/s",
    "anim.charts": "with lr and loss",
    "anim.webm": "Video (WebM)",
    "anim.gif": "GIF",
    "anim.cancel": "Cancel",
    "anim.progress": "Frame {i} of {n}",
    "anim.done": "Saved {name}: {n} frames.",
    "anim.noData": "Nothing to animate yet.",
    "anim.tooMany": "At most {max} frames: take more steps per frame.",
    "anim.failed": "The export failed: {msg}",
  },
  zh: {
    "anim.title": "动画",
    "anim.from": "起始步",
    "anim.to": "结束步",
    "anim.every": "每帧步数",
    "anim.fps": "帧/秒",
    "anim.charts": "包含学习率与损失图",
    "anim.webm": "视频（WebM）",
    "anim.gif": "GIF",
    "anim.cancel": "取消",
    "anim.progress": "第 {i} 帧，共 {n} 帧",
    "anim.done": "已保存 {name}：{n} 帧。",
    "anim.noData": "还没有可以制作动画的数据。",
    "anim.tooMany": "最多 {max} 帧：请增大每帧步数。",
    "anim.failed": "导出失败：{msg}",
  },
});

const MAX_FRAMES = 1500;
const HEIGHT = 540; // the contour's height in the exported frame (px); width keeps its aspect
const HEAD = 36; // a band above the charts: each run's colour and name, and the step
const SIDE = 460; // width of the lr / loss column when included
const GIF_MAX_WIDTH = 720; // GIFs are scaled down to this width (size and encoding time)
const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
const even = (v) => 2 * Math.round(v / 2);

function loadImage(src) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error("chart image failed to load"));
    img.src = src;
  });
}

/** The frames' steps: from, from + every, ..., and `to` itself as the last frame. */
export function frameSteps(from, to, every) {
  const out = [];
  for (let s = from; s < to; s += every) out.push(s);
  out.push(to);
  return out;
}

/** One chart and its overlay canvases, as a drawable layer of the frame. */
class Layer {
  constructor(gd, canvases, x, y, w, h) {
    Object.assign(this, { gd, canvases, x, y, w, h });
  }

  async snapshot() {
    const url = await window.Plotly.toImage(this.gd, { format: "png", width: this.gd.clientWidth, height: this.gd.clientHeight });
    this.background = await loadImage(url);
  }

  draw(ctx) {
    ctx.drawImage(this.background, this.x, this.y, this.w, this.h);
    for (const c of this.canvases) if (c && c.width && c.height) ctx.drawImage(c, this.x, this.y, this.w, this.h);
    if (this.title) {
      ctx.font = "600 14px system-ui, 'Noto Sans SC', sans-serif";
      ctx.fillStyle = "#1f2933";
      ctx.textBaseline = "top";
      ctx.fillText(this.title, this.x + 8, this.y + 4);
    }
  }
}

export class AnimationExport {
  /** `ctx`: { app, setStep(step, opts), pause() }. */
  constructor(panel, ctx) {
    this.ctx = ctx;
    this.cancelled = false;
    this.busy = false;
    this.row = document.createElement("div");
    this.row.className = "export-row anim-row";
    this.row.setAttribute("role", "group");
    panel.insertBefore(this.row, panel.querySelector(".export-note"));
    this.touched = false; // until the user edits the range, it follows the data: 0 .. last step
    this.row.addEventListener("input", (ev) => {
      if (ev.target.id === "anim-from" || ev.target.id === "anim-to") this.touched = true;
    });
    document.addEventListener("optviz:drawn", () => {
      const ds = this.ctx.app.dataset;
      if (!this.touched && ds) {
        document.getElementById("anim-from").value = "0";
        document.getElementById("anim-to").value = String(ds.maxSteps);
      }
    });
    this.render();
  }

  render() {
    const app = this.ctx.app;
    const max = app.dataset ? app.dataset.maxSteps : 0;
    const keep = (id, fallback) => (document.getElementById(id) ? document.getElementById(id).value : fallback);
    const from = keep("anim-from", "0");
    const to = keep("anim-to", String(max || 100));
    const every = keep("anim-every", "auto");
    const fps = keep("anim-fps", "24");
    const charts = document.getElementById("anim-charts") ? document.getElementById("anim-charts").checked : true;
    this.row.innerHTML = "";
    const label = (text, input) => {
      const l = document.createElement("label");
      l.className = "inline";
      l.append(text, input);
      return l;
    };
    const num = (id, value) => {
      const i = document.createElement("input");
      Object.assign(i, { id, type: "number", min: "0", step: "1", value });
      i.style.width = "5.2rem";
      return i;
    };
    const sel = (id, options, value) => {
      const s = document.createElement("select");
      s.id = id;
      for (const [v, text] of options) s.append(new Option(text, v, false, v === value));
      return s;
    };
    const head = document.createElement("span");
    head.textContent = t("anim.title");
    const box = document.createElement("input");
    Object.assign(box, { id: "anim-charts", type: "checkbox", checked: charts });
    const webm = document.createElement("button");
    Object.assign(webm, { id: "export-webm", type: "button", className: "small", textContent: t("anim.webm") });
    webm.addEventListener("click", () => this.run("webm"));
    const gif = document.createElement("button");
    Object.assign(gif, { id: "export-gif", type: "button", className: "small", textContent: t("anim.gif") });
    gif.addEventListener("click", () => this.run("gif"));
    const cancel = document.createElement("button");
    Object.assign(cancel, { id: "anim-cancel", type: "button", className: "small", textContent: t("anim.cancel"), hidden: true });
    cancel.addEventListener("click", () => { this.cancelled = true; });
    const progress = document.createElement("progress");
    Object.assign(progress, { id: "anim-progress", max: 1, value: 0, hidden: true });
    const status = document.createElement("span");
    status.id = "anim-status";
    status.className = "help";
    status.setAttribute("aria-live", "polite");
    this.row.append(head,
      label(`${t("anim.from")} `, num("anim-from", from)), label(`${t("anim.to")} `, num("anim-to", to)),
      label(`${t("anim.every")} `, sel("anim-every", [["auto", "auto"], ["1", "1"], ["2", "2"], ["5", "5"], ["10", "10"], ["20", "20"], ["50", "50"]], every)),
      label(`${t("anim.fps")} `, sel("anim-fps", [["10", "10"], ["15", "15"], ["24", "24"], ["30", "30"]], fps)),
      label(box, ` ${t("anim.charts")}`), webm, gif, cancel, progress, status);
  }

  /** The export's settings read from the row (steps clamped to the data). */
  settings() {
    const max = this.ctx.app.dataset.maxSteps;
    const clamp = (v) => Math.max(0, Math.min(max, Math.round(Number(v) || 0)));
    const from = clamp(document.getElementById("anim-from").value);
    const to = Math.max(from, clamp(document.getElementById("anim-to").value));
    const fps = Number(document.getElementById("anim-fps").value);
    const raw = document.getElementById("anim-every").value;
    const every = raw === "auto" ? Math.max(1, Math.ceil((to - from) / (fps * 10))) : Number(raw);
    return { from, to, fps, every, charts: document.getElementById("anim-charts").checked };
  }

  layers(charts) {
    const app = this.ctx.app;
    const contour = app.views.contour;
    const gd = contour.gd;
    const w = even((gd.clientWidth / gd.clientHeight) * HEIGHT);
    const out = [new Layer(gd, [contour.pathsCanvas, contour.trailCanvas, contour.cursorCanvas], 0, HEAD, w, HEIGHT)];
    let width = w;
    if (charts) {
      const half = HEIGHT / 2;
      const lr = new Layer(document.getElementById("lr-plot"), [document.getElementById("lr-cursor")], w, HEAD, SIDE, half);
      const loss = new Layer(document.getElementById("loss-plot"), [document.getElementById("loss-cursor")], w, HEAD + half, SIDE, half);
      lr.title = t("plot.lr");
      loss.title = t("plot.loss");
      out.push(lr, loss);
      width += SIDE;
    }
    return { layers: out, width: even(width), height: HEIGHT + HEAD };
  }

  /** The band above the charts: each visible run's colour and name, and the step; chart titles. */
  drawHead(c2d, width, step) {
    const { app, runName, colorOf } = this.ctx;
    c2d.font = "600 15px system-ui, 'Noto Sans SC', sans-serif";
    c2d.textBaseline = "middle";
    let x = 10;
    app.config.runs.forEach((_, i) => {
      if (!app.isVisible(i)) return;
      const name = runName(i);
      c2d.strokeStyle = colorOf(i);
      c2d.lineWidth = 4;
      c2d.beginPath();
      c2d.moveTo(x, HEAD / 2);
      c2d.lineTo(x + 22, HEAD / 2);
      c2d.stroke();
      c2d.fillStyle = "#1f2933";
      c2d.fillText(name, x + 28, HEAD / 2);
      x += 28 + c2d.measureText(name).width + 18;
    });
    const label = t("play.stepOf", { t: step, n: app.dataset.maxSteps });
    c2d.textAlign = "right";
    c2d.fillText(label, width - 10, HEAD / 2);
    c2d.textAlign = "left";
  }

  setStatus(text) {
    document.getElementById("anim-status").textContent = text;
  }

  async run(kind) {
    const app = this.ctx.app;
    if (this.busy) return;
    if (!app.dataset || !app.dataset.maxSteps) {
      this.setStatus(t("anim.noData"));
      return;
    }
    const st = this.settings();
    const steps = frameSteps(st.from, st.to, st.every);
    if (steps.length > MAX_FRAMES) {
      this.setStatus(t("anim.tooMany", { max: MAX_FRAMES }));
      return;
    }
    this.busy = true;
    this.cancelled = false;
    this.ctx.pause();
    const startStep = app.step;
    const progress = document.getElementById("anim-progress");
    const cancel = document.getElementById("anim-cancel");
    progress.hidden = false;
    cancel.hidden = false;
    progress.max = steps.length;
    progress.value = 0;
    document.body.dataset.animExport = "running";
    try {
      const { layers, width, height } = this.layers(st.charts);
      for (const layer of layers) await layer.snapshot();
      const scale = kind === "gif" ? Math.min(1, GIF_MAX_WIDTH / width) : 1;
      const canvas = document.createElement("canvas");
      canvas.width = even(width * scale);
      canvas.height = even(height * scale);
      const c2d = canvas.getContext("2d", { willReadFrequently: kind === "gif" });
      const drawFrame = async (i) => {
        this.ctx.setStep(steps[i], { fromPlayback: true });
        await nextFrame();
        c2d.setTransform(scale, 0, 0, scale, 0, 0);
        c2d.fillStyle = "#ffffff";
        c2d.fillRect(0, 0, width, height);
        for (const layer of layers) layer.draw(c2d);
        this.drawHead(c2d, width, steps[i]);
        progress.value = i + 1;
        this.setStatus(t("anim.progress", { i: i + 1, n: steps.length }));
        return !this.cancelled;
      };
      const blob = kind === "gif"
        ? await this.encodeGif(canvas, c2d, steps.length, st.fps, drawFrame)
        : await this.encodeWebm(canvas, steps.length, st.fps, drawFrame);
      if (blob) {
        const name = `optimizer-trajectories-${st.from}-${st.to}.${kind}`;
        const a = document.createElement("a");
        a.href = URL.createObjectURL(blob);
        a.download = name;
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
        this.setStatus(t("anim.done", { name, n: steps.length }));
      }
    } catch (err) {
      this.setStatus(t("anim.failed", { msg: err && err.message ? err.message : String(err) }));
    } finally {
      this.ctx.setStep(startStep, { force: true });
      progress.hidden = true;
      cancel.hidden = true;
      this.busy = false;
      document.body.dataset.animExport = "done";
    }
  }

  async encodeGif(canvas, c2d, n, fps, drawFrame) {
    const { GIFEncoder, quantize, applyPalette } = await import("../vendor/gifenc/gifenc.esm.js");
    const gif = GIFEncoder();
    const delay = Math.round(1000 / fps);
    for (let i = 0; i < n; i += 1) {
      if (!(await drawFrame(i))) return null;
      const { data } = c2d.getImageData(0, 0, canvas.width, canvas.height);
      const palette = quantize(data, 256);
      gif.writeFrame(applyPalette(data, palette), canvas.width, canvas.height, { palette, delay, repeat: 0 });
    }
    gif.finish();
    return new Blob([gif.bytes()], { type: "image/gif" });
  }

  async encodeWebm(canvas, n, fps, drawFrame) {
    if (typeof window.VideoEncoder === "undefined") return this.recordWebm(canvas, n, fps, drawFrame);
    const mb = await import("../vendor/mediabunny/mediabunny.min.js");
    const output = new mb.Output({ format: new mb.WebMOutputFormat(), target: new mb.BufferTarget() });
    const source = new mb.CanvasSource(canvas, { codec: "vp9", bitrate: mb.QUALITY_HIGH });
    output.addVideoTrack(source, { frameRate: fps });
    await output.start();
    for (let i = 0; i < n; i += 1) {
      if (!(await drawFrame(i))) {
        await output.cancel();
        return null;
      }
      await source.add(i / fps, 1 / fps);
    }
    await output.finalize();
    return new Blob([output.target.buffer], { type: "video/webm" });
  }

  /** Without WebCodecs: MediaRecorder on the canvas, one frame pushed per 1/fps seconds. */
  async recordWebm(canvas, n, fps, drawFrame) {
    const stream = canvas.captureStream(0);
    const track = stream.getVideoTracks()[0];
    const recorder = new MediaRecorder(stream, { mimeType: "video/webm" });
    const chunks = [];
    recorder.ondataavailable = (ev) => chunks.push(ev.data);
    const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
    recorder.start();
    for (let i = 0; i < n; i += 1) {
      if (!(await drawFrame(i))) break;
      track.requestFrame();
      await new Promise((resolve) => setTimeout(resolve, 1000 / fps));
    }
    recorder.stop();
    await stopped;
    return this.cancelled ? null : new Blob(chunks, { type: "video/webm" });
  }
}
