// Keyboard shortcuts of the player: space plays or pauses, arrows step (Shift: ten steps),
// Home and End jump; keys typed into a control are left alone.

import { app } from "./state.js";
import { stepBy, togglePlay } from "./playback.js";

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
