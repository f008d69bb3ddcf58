// The step shown and how it moves: the step cursor, playback, a press on a line chart that picks
// a step, and the player's keyboard shortcuts (keys typed into a control are left alone).

import { PALETTE, h } from "./controls.js";
import { getLang, t } from "./i18n.js";
import { $, app, pageChanged } from "./state.js";

const SPEEDS = [10, 30, 60, 120, 250, 500, 1000, 2500, 5000];

// ------------------------------------------------------------------ the step cursor

/** The teaching panel on the selected run (rebuilt when `force`), at the current step. */
export function updateTeach(force) {
  if (!app.teach || !app.config) return;
  if (app.dataset && app.dataset.pointsOnly) return; // its whole answer updates the panel
  const i = app.selected;
  const run = app.config.runs[i];
  if (force) app.teach.key = null;
  app.teach.setRun(app.catalog, run, i, PALETTE[app.colorOf(i)].hex, getLang());
  if (app.dataset) app.teach.setStep(app.dataset, i, app.step);
}

let teachTimer = 0;
/** Show step `s` (clamped to the answer) everywhere; the address follows unless playing. */
export function setStep(s, { force = false, fromPlayback = false, teach = true } = {}) {
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
  const text = t("play.stepOf", { t: step, n: max });
  if ($("step-readout").textContent !== text) { // unchanged: no layout
    scrub.setAttribute("aria-valuetext", text);
    $("step-readout").textContent = text;
  }
  if (!teach) {
    // the caller updates the panel
  } else if (fromPlayback) {
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

// ------------------------------------------------------------------ playback

let lastFrame = 0;
let playPos = 0;

/** Play from the current step (from the start when at the end). */
export function play() {
  const max = app.dataset ? app.dataset.maxSteps : 0;
  if (!max) return;
  if (app.step >= max) setStep(0);
  app.playing = true;
  playPos = app.step;
  lastFrame = performance.now();
  setPlayButton();
  requestAnimationFrame(tick);
}

export function pause() {
  app.playing = false;
  setPlayButton();
  updateTeach(false);
  pageChanged();
}

function tick(now) {
  if (!app.playing) return;
  const dt = Math.min(100, now - lastFrame);
  lastFrame = now;
  playPos += (app.page.speed * dt) / 1000;
  const max = app.dataset ? app.dataset.maxSteps : 0;
  if (playPos >= max) {
    setStep(max, { fromPlayback: true });
    pause();
    return;
  }
  setStep(Math.floor(playPos), { fromPlayback: true });
  requestAnimationFrame(tick);
}

function setPlayButton() {
  const b = $("play-toggle");
  b.textContent = app.playing ? "❚❚" : "▶";
  b.setAttribute("aria-label", t(app.playing ? "play.pause" : "play.play"));
  b.title = t(app.playing ? "play.pause" : "play.play");
  b.setAttribute("aria-pressed", String(app.playing));
}

function togglePlay() {
  if (app.playing) pause();
  else play();
}

function stepBy(d) {
  if (app.playing) pause();
  setStep(app.step + d);
}

/** The speed menu in the current language; the player's buttons and scrubber wired once. */
export function bindPlayback() {
  const speed = $("speed");
  speed.replaceChildren(...SPEEDS.map((s) => h("option", { value: String(s), text: t("play.stepsPerSecond", { n: s }) })));
  if (!SPEEDS.includes(app.page.speed)) speed.appendChild(h("option", { value: String(app.page.speed), text: t("play.stepsPerSecond", { n: app.page.speed }) }));
  speed.value = String(app.page.speed);
  if (!speed.dataset.bound) {
    speed.dataset.bound = "1";
    speed.addEventListener("change", () => {
      app.page.speed = Number(speed.value);
      pageChanged();
    });
    $("play-toggle").addEventListener("click", togglePlay);
    $("play-back").addEventListener("click", () => stepBy(-1));
    $("play-forward").addEventListener("click", () => stepBy(1));
    $("play-reset").addEventListener("click", () => {
      if (app.playing) pause();
      setStep(0);
    });
    $("scrubber").addEventListener("input", (ev) => {
      if (app.playing) pause();
      setStep(Number(ev.target.value));
    });
  }
  setPlayButton();
}

/** A press or drag on a line chart picks the step (hovering never does). */
export function pickStep(s) {
  if (app.playing) pause();
  setStep(s);
}

// ------------------------------------------------------------------ keyboard shortcuts

function onKey(ev) {
  const tag = ev.target && ev.target.tagName;
  if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
  if (["INPUT", "SELECT", "TEXTAREA", "BUTTON", "SUMMARY"].includes(tag) || (ev.target && ev.target.isContentEditable)) return;
  const big = ev.shiftKey ? 10 : 1;
  if (ev.key === " " || ev.code === "Space") {
    ev.preventDefault();
    togglePlay();
  } else if (ev.key === "ArrowRight") {
    ev.preventDefault();
    stepBy(big);
  } else if (ev.key === "ArrowLeft") {
    ev.preventDefault();
    stepBy(-big);
  } else if (ev.key === "Home") {
    ev.preventDefault();
    stepBy(-app.step);
  } else if (ev.key === "End") {
    ev.preventDefault();
    if (app.dataset) stepBy(app.dataset.maxSteps - app.step);
  }
}

/** Listen for the shortcuts (once, on the document). */
export function bindKeys() {
  document.addEventListener("keydown", onKey);
}
