// Playback: play, pause, step by one, the speed menu, the scrubber, and a press on a line
// chart that picks a step.

import { h } from "./controls.js";
import { t } from "./i18n.js";
import { $, app, pageChanged } from "./state.js";
import { setStep, updateTeach } from "./step.js";

const SPEEDS = [10, 30, 60, 120, 250, 500, 1000, 2500, 5000];

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

export function togglePlay() {
  if (app.playing) pause();
  else play();
}

export function stepBy(d) {
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
