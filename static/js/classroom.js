// The lecture hall: lessons (a gallery and a lesson bar that steps through a lesson's scenes),
// presentation mode (p.present=1), embed mode (p.embed=1) and the share dialog (link, QR code,
// controls to hide, mode). Lessons and their texts come from the catalog; this module owns only
// its DOM and talks to the page through the small `ctx` handed to initClassroom.

import { getLessons } from "./api.js";
import { extendStrings, getLang, t } from "./i18n.js";
import { HIDEABLE, composeSearch, splitQuery } from "./urlstate.js";

extendStrings({
  en: {
    "lessons.open": "Lessons",
    "lessons.title": "Lessons",
    "lessons.intro": "Each lesson opens a ready-made scene. Its text says what to look at; the question is for the class.",
    "lessons.start": "Open lesson",
    "lessons.close": "Close",
    "lessons.question": "Question for the class",
    "lessons.scene": "Scene {i} of {n}",
    "lessons.prev": "Previous scene",
    "lessons.next": "Next scene",
    "lessons.end": "Close lesson",
    "lessons.count": "{n} lessons",
    "present.toggle": "Present",
    "present.exit": "Exit presentation",
    "present.hint": "P: presentation mode",
    "present.theme": "Dark theme",
    "embed.full": "Open full page ↗",
    "share.open": "Share",
    "share.title": "Share with a class",
    "share.link": "Link",
    "share.copy": "Copy link",
    "share.copied": "Link copied.",
    "share.copyFailed": "Could not copy: select the link and copy it.",
    "share.qr": "Scan to open this view",
    "share.hide": "Hide these controls for the class",
    "share.mode": "Open as",
    "share.mode.normal": "Normal page",
    "share.mode.present": "Presentation",
    "share.mode.embed": "Embed (iframe)",
    "share.iframe": "Iframe snippet",
    "share.close": "Close",
    "share.tooLong": "This link is too long for a QR code; share the link instead.",
    "hide.surface": "Surface picker", "hide.formula": "Formula", "hide.view": "View box",
    "hide.start": "Start point", "hide.steps": "Steps", "hide.noise": "Noise",
    "hide.batch_size": "Batch size", "hide.seed": "Seed", "hide.runs": "Add run",
    "hide.optimizer": "Optimizer choice", "hide.schedule": "Schedule", "hide.color": "Colours",
    "hide.language": "Language", "hide.link": "Share button", "hide.lr_plot": "Learning-rate chart",
    "hide.loss_plot": "Loss chart", "hide.state_plot": "State chart", "hide.teach": "Teaching panel",
    "hide.3d": "3D view", "hide.playback": "Playback", "hide.settings": "Surface and training settings",
    "hide.maps": "Maps", "hide.data_plot": "Data view", "hide.stretch": "Stretch to fill",
  },
  zh: {
    "lessons.open": "课程",
    "lessons.title": "课程",
    "lessons.intro": "每节课打开一个预设好的场景。文字说明要观察什么，问题留给全班思考。",
    "lessons.start": "打开课程",
    "lessons.close": "关闭",
    "lessons.question": "给全班的问题",
    "lessons.scene": "第 {i} 个场景，共 {n} 个",
    "lessons.prev": "上一个场景",
    "lessons.next": "下一个场景",
    "lessons.end": "结束课程",
    "lessons.count": "{n} 节课",
    "present.toggle": "演示",
    "present.exit": "退出演示",
    "present.hint": "P：演示模式",
    "present.theme": "深色主题",
    "embed.full": "打开完整页面 ↗",
    "share.open": "分享",
    "share.title": "分享给全班",
    "share.link": "链接",
    "share.copy": "复制链接",
    "share.copied": "链接已复制。",
    "share.copyFailed": "无法复制：请选中链接后手动复制。",
    "share.qr": "扫码打开这个视图",
    "share.hide": "为学生隐藏这些控件",
    "share.mode": "打开方式",
    "share.mode.normal": "普通页面",
    "share.mode.present": "演示模式",
    "share.mode.embed": "嵌入（iframe）",
    "share.iframe": "iframe 代码",
    "share.close": "关闭",
    "share.tooLong": "链接太长，无法生成二维码；请直接分享链接。",
    "hide.surface": "曲面选择", "hide.formula": "公式", "hide.view": "视图范围",
    "hide.start": "起点", "hide.steps": "步数", "hide.noise": "噪声",
    "hide.batch_size": "批大小", "hide.seed": "随机种子", "hide.runs": "添加运行",
    "hide.optimizer": "优化器选择", "hide.schedule": "学习率调度", "hide.color": "颜色",
    "hide.language": "语言", "hide.link": "分享按钮", "hide.lr_plot": "学习率图",
    "hide.loss_plot": "损失图", "hide.state_plot": "状态图", "hide.teach": "讲解面板",
    "hide.3d": "3D 视图", "hide.playback": "播放控制", "hide.settings": "曲面与训练设置",
    "hide.maps": "图谱", "hide.data_plot": "数据视图", "hide.stretch": "拉伸填满",
  },
});

const QR_MAX = 2000; // GET /api/qr refuses longer links
const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

const lang = () => getLang();
const text = (table) => (table && (table[lang()] || table.en)) || "";

/** The page address of a lesson's scene: its query, then the lesson's own keys. */
export function sceneHref(lesson, index) {
  const { apiQuery, page } = splitQuery(`?${lesson.scenes[index].query}`);
  page.lesson = lesson.id;
  page.scene = index;
  page.lang = lang();
  return `${window.location.pathname}${composeSearch(apiQuery, page)}`;
}

/** Resize every Plotly chart after the layout changed (presentation and embed modes). */
function resizePlots() {
  requestAnimationFrame(() => {
    window.dispatchEvent(new Event("resize"));
    for (const gd of document.querySelectorAll(".js-plotly-plot")) {
      if (gd.offsetParent && window.Plotly) window.Plotly.Plots.resize(gd);
    }
  });
}

export class Classroom {
  constructor(ctx) {
    this.ctx = ctx; // { app, catalog, pageChanged, writeNow }
    this.lessons = ctx.catalog.lessons || null; // loaded when first needed (loadLessons)
    this.enteredFullscreen = false;
  }

  get page() {
    return this.ctx.app.page;
  }

  init() {
    // In presentation and embed modes the charts fill what the legends and the playback bar
    // leave; when that changes (a legend wraps, fonts load), Plotly and the overlays follow.
    let pending = 0;
    this.observer = new ResizeObserver(() => {
      if (!(this.page.present || this.page.embed) || pending) return;
      pending = requestAnimationFrame(() => {
        pending = 0;
        resizePlots();
      });
    });
    for (const wrap of document.querySelectorAll(".plot-grid .plot-wrap")) this.observer.observe(wrap);
    this.bindButtons();
    this.applyModes();
    if (this.page.lesson) this.loadLessons().then(() => this.renderLessonBar());
    document.addEventListener("keydown", (ev) => this.onKey(ev));
    document.addEventListener("fullscreenchange", () => {
      if (!document.fullscreenElement && this.enteredFullscreen) {
        this.enteredFullscreen = false;
        if (this.page.present) this.setPresent(false);
      }
    });
  }

  bindButtons() {
    const theme = el("button", { type: "button", id: "theme-toggle", class: "theme-toggle", "aria-pressed": "false" });
    theme.addEventListener("click", () => {
      this.page.theme = this.page.theme === "dark" ? "light" : "dark";
      this.applyModes();
      this.ctx.pageChanged();
    });
    $("present-toggle").after(theme);
    $("lessons-open").addEventListener("click", () => this.openGallery());
    $("present-toggle").addEventListener("click", () => this.setPresent(!this.page.present));
    $("copy-link").addEventListener("click", () => this.openShare());
  }

  /** Texts that follow the language select. */
  renderText() {
    this.renderLessonBar();
    const gallery = $("lessons-dialog");
    if (gallery && gallery.open) this.fillGallery(gallery);
    const share = $("share-dialog");
    if (share && share.open) this.fillShare(share);
    this.renderEmbedLink();
    $("present-toggle").textContent = t(this.page.present ? "present.exit" : "present.toggle");
    $("present-toggle").title = t("present.hint");
    $("theme-toggle").textContent = t("present.theme");
  }

  onKey(ev) {
    const tag = ev.target && ev.target.tagName;
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    if (["INPUT", "SELECT", "TEXTAREA"].includes(tag) || (ev.target && ev.target.isContentEditable)) return;
    if (ev.key === "p" || ev.key === "P") {
      ev.preventDefault();
      this.setPresent(!this.page.present);
    } else if (ev.key === "Escape" && this.page.present && !document.fullscreenElement) {
      this.setPresent(false);
    }
  }

  // ---------------------------------------------------------------- presentation and embed

  setPresent(on) {
    this.page.present = on;
    if (on && !document.fullscreenElement && document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().then(() => {
        this.enteredFullscreen = true;
      }).catch(() => {});
    } else if (!on && document.fullscreenElement && this.enteredFullscreen) {
      this.enteredFullscreen = false;
      document.exitFullscreen().catch(() => {});
    }
    this.applyModes();
    this.ctx.pageChanged();
  }

  applyModes() {
    const body = document.body;
    body.classList.toggle("present", Boolean(this.page.present));
    body.classList.toggle("embed", Boolean(this.page.embed));
    body.dataset.theme = this.page.theme === "dark" ? "dark" : "light";
    const theme = $("theme-toggle");
    theme.textContent = t("present.theme");
    theme.setAttribute("aria-pressed", String(this.page.theme === "dark"));
    $("present-toggle").textContent = t(this.page.present ? "present.exit" : "present.toggle");
    $("present-toggle").setAttribute("aria-pressed", String(Boolean(this.page.present)));
    $("present-toggle").title = t("present.hint");
    this.renderEmbedLink();
    resizePlots();
  }

  renderEmbedLink() {
    let link = $("embed-full");
    if (!this.page.embed) {
      if (link) link.remove();
      return;
    }
    if (!link) {
      link = el("a", { id: "embed-full", class: "embed-full", target: "_blank", rel: "noopener" });
      document.querySelector(".transport").append(link);
    }
    const { apiQuery, page } = splitQuery(window.location.search);
    page.embed = false;
    link.href = `${window.location.pathname}${composeSearch(apiQuery, page)}`;
    link.textContent = t("embed.full");
  }

  // ---------------------------------------------------------------- lessons

  /** The lessons, asked of the server the first time (the page's catalog leaves them out). */
  async loadLessons() {
    if (!this.lessons) {
      this.lessons = (await getLessons()).lessons;
      this.ctx.catalog.lessons = this.lessons;
    }
    return this.lessons;
  }

  async openGallery() {
    await this.loadLessons();
    let dialog = $("lessons-dialog");
    if (!dialog) {
      dialog = el("dialog", { id: "lessons-dialog", class: "lessons-dialog", "aria-labelledby": "lessons-h" });
      document.body.append(dialog);
    }
    this.fillGallery(dialog);
    dialog.showModal();
  }

  fillGallery(dialog) {
    dialog.replaceChildren(
      el("div", { class: "dialog-head" },
        el("h2", { id: "lessons-h", text: t("lessons.title") }),
        el("span", { class: "help", text: t("lessons.count", { n: this.lessons.length }) }),
        el("button", { type: "button", class: "close", text: t("lessons.close"), onclick: () => dialog.close() })),
      el("p", { class: "help", text: t("lessons.intro") }),
      el("ol", { class: "lesson-grid" }, ...this.lessons.map((lesson, i) => el("li", { class: "lesson-card", "data-lesson": lesson.id },
        el("h3", {}, el("span", { class: "lesson-no", text: `${i + 1}` }), ` ${text(lesson.title)}`),
        el("p", { class: "lesson-text", text: text(lesson.text) }),
        el("p", { class: "lesson-question" }, el("strong", { text: `${t("lessons.question")}: ` }), text(lesson.question)),
        el("a", { class: "button", href: sceneHref(lesson, 0), text: t("lessons.start") })))),
    );
  }

  currentLesson() {
    return (this.lessons || []).find((l) => l.id === this.page.lesson) || null;
  }

  renderLessonBar() {
    let bar = $("lesson-bar");
    const lesson = this.currentLesson();
    if (!lesson) {
      if (bar) bar.remove();
      return;
    }
    const n = lesson.scenes.length;
    const i = Math.min(this.page.scene || 0, n - 1);
    if (!bar) {
      bar = el("section", { id: "lesson-bar", class: "card lesson-bar", "aria-labelledby": "lesson-bar-h" });
      const grid = document.querySelector(".plot-grid");
      grid.parentNode.insertBefore(bar, grid);
    }
    const nav = el("div", { class: "lesson-nav" },
      el("span", { class: "help", text: t("lessons.scene", { i: i + 1, n }) }),
      i > 0 ? el("a", { class: "button small", href: sceneHref(lesson, i - 1), text: `‹ ${t("lessons.prev")}` }) : null,
      i < n - 1 ? el("a", { class: "button small", href: sceneHref(lesson, i + 1), text: `${t("lessons.next")} ›` }) : null,
      el("button", { type: "button", class: "small", text: t("lessons.end"), onclick: () => this.endLesson() }));
    bar.replaceChildren(
      el("div", { class: "card-head" }, el("h2", { id: "lesson-bar-h", text: text(lesson.title) }), nav),
      el("p", { class: "lesson-text", text: text(lesson.text) }),
      el("p", { class: "lesson-do", text: text(lesson.scenes[i].do) }),
      el("p", { class: "lesson-question" }, el("strong", { text: `${t("lessons.question")}: ` }), text(lesson.question)),
    );
  }

  endLesson() {
    this.page.lesson = "";
    this.page.scene = 0;
    this.renderLessonBar();
    this.ctx.pageChanged();
  }

  // ---------------------------------------------------------------- share

  openShare() {
    this.ctx.writeNow();
    let dialog = $("share-dialog");
    if (!dialog) {
      dialog = el("dialog", { id: "share-dialog", class: "share-dialog", "aria-labelledby": "share-h" });
      document.body.append(dialog);
      this.shareState = { hide: new Set(this.page.hide), mode: this.page.embed ? "embed" : this.page.present ? "present" : "normal" };
    }
    this.fillShare(dialog);
    if (!dialog.open) dialog.showModal();
  }

  /** The link the dialog's choices build: the current view with p.hide and the mode set. */
  shareLink() {
    const { apiQuery, page } = splitQuery(window.location.search);
    page.hide = HIDEABLE.filter((k) => this.shareState.hide.has(k));
    page.present = this.shareState.mode === "present";
    page.embed = this.shareState.mode === "embed";
    return `${window.location.origin}${window.location.pathname}${composeSearch(apiQuery, page)}`;
  }

  fillShare(dialog) {
    const st = this.shareState;
    const link = this.shareLink();
    const linkInput = el("input", { id: "share-link", type: "text", readonly: true, value: link, "aria-label": t("share.link") });
    linkInput.addEventListener("focus", () => linkInput.select());
    const status = el("p", { class: "help", id: "share-status", "aria-live": "polite" });
    const copy = async () => {
      try {
        await navigator.clipboard.writeText(this.shareLink());
        status.textContent = t("share.copied");
      } catch {
        linkInput.select();
        status.textContent = t("share.copyFailed");
      }
    };
    const qr = link.length <= QR_MAX
      ? el("img", { id: "share-qr", class: "qr", alt: t("share.qr"), width: 240, height: 240, src: `/api/qr?text=${encodeURIComponent(link)}` })
      : el("p", { class: "error", text: t("share.tooLong") });
    const refresh = () => this.fillShare(dialog);
    const checks = el("fieldset", { class: "share-hide" }, el("legend", { text: t("share.hide") }),
      ...HIDEABLE.map((key) => {
        const box = el("input", { type: "checkbox", name: "hide", value: key, checked: st.hide.has(key) });
        box.addEventListener("change", () => {
          if (box.checked) st.hide.add(key);
          else st.hide.delete(key);
          refresh();
        });
        return el("label", { class: "inline" }, box, ` ${t(`hide.${key}`)}`);
      }));
    const modes = el("fieldset", { class: "share-mode" }, el("legend", { text: t("share.mode") }),
      ...["normal", "present", "embed"].map((mode) => {
        const radio = el("input", { type: "radio", name: "share-mode", value: mode, checked: st.mode === mode });
        radio.addEventListener("change", () => {
          st.mode = mode;
          refresh();
        });
        return el("label", { class: "inline" }, radio, ` ${t(`share.mode.${mode}`)}`);
      }));
    const iframe = st.mode === "embed"
      ? el("label", { class: "share-iframe" }, t("share.iframe"),
        el("textarea", { id: "share-iframe", readonly: true, rows: 3 },
          `<iframe src="${link.replace(/&/g, "&amp;").replace(/"/g, "&quot;")}" width="800" height="450" style="border:0" title="${t("app.title")}" loading="lazy"></iframe>`))
      : null;
    dialog.replaceChildren(
      el("div", { class: "dialog-head" },
        el("h2", { id: "share-h", text: t("share.title") }),
        el("button", { type: "button", class: "close", text: t("share.close"), onclick: () => dialog.close() })),
      el("div", { class: "share-body" },
        el("div", { class: "share-main" },
          el("label", { class: "share-link" }, t("share.link"), linkInput),
          el("div", { class: "share-actions" },
            el("button", { type: "button", id: "share-copy", text: t("share.copy"), onclick: copy }),
            el("a", { class: "button", href: link, target: "_blank", rel: "noopener", id: "share-open", text: "↗" })),
          status, modes, checks, iframe),
        el("figure", { class: "share-qr" }, qr, el("figcaption", { class: "help", text: t("share.qr") }))),
    );
  }
}

/** Play once on load (the first screen), when the data is in and motion is welcome. */
export function playOnceWhenReady(app, play) {
  if (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) return;
  const started = performance.now();
  const poll = () => {
    const ds = app.dataset;
    if (ds && ds.runs.every((r) => r.status) && !app.playing) {
      play();
      return;
    }
    if (performance.now() - started < 15000) setTimeout(poll, 100);
  };
  poll();
}
