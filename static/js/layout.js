// The layout on tablets and phones (max-width 900px, as in app.css): the plots fill the page and
// the controls live in a drawer over the bottom, opened from a bar of three buttons (Plots,
// Controls, Explain). The drawer is a real disclosure: aria-expanded on its button, inert
// while closed, Escape closes it and gives the focus back. Wider screens keep the sidebar.

import { extendStrings } from "./i18n.js";

extendStrings({
  en: {
    "tabs.label": "Sections",
    "tabs.plots": "Plots",
    "tabs.controls": "Controls",
    "tabs.explain": "Explain",
    "start.touchHint": "Or tap the contour plot, or drag its start marker.",
    "play.touch": "Tap ▶ to play; drag the slider to move through the steps; tap the contour to start from there.",
  },
  zh: {
    "tabs.label": "页面分区",
    "tabs.plots": "图表",
    "tabs.controls": "控制",
    "tabs.explain": "讲解",
    "start.touchHint": "或轻点等高线图，或拖动起点标记。",
    "play.touch": "轻点 ▶ 播放；拖动滑块逐步查看；轻点等高线图可从该处出发。",
  },
});

export const SMALL = "(max-width: 900px)";
export const TOUCH = "(hover: none), (pointer: coarse)";

/** True on a device whose main pointer is a finger (hints say "tap", not "click"). */
export function isTouch() {
  return window.matchMedia(TOUCH).matches;
}

function initLayout() {
  const controls = document.getElementById("controls");
  const toggle = document.getElementById("tab-controls");
  const plots = document.getElementById("tab-plots");
  const explain = document.getElementById("tab-explain");
  if (!controls || !toggle) return;
  const small = window.matchMedia(SMALL);
  const setOpen = (open, { focus = false } = {}) => {
    const drawer = small.matches;
    document.body.classList.toggle("drawer-open", drawer && open);
    toggle.setAttribute("aria-expanded", String(drawer && open));
    controls.inert = drawer && !open;
    if (drawer && open && focus) controls.focus({ preventScroll: true });
  };
  const isOpen = () => document.body.classList.contains("drawer-open");
  toggle.addEventListener("click", () => {
    const open = !isOpen();
    setOpen(open, { focus: true });
    // bring the paths above the drawer, so a changed value is seen where it acts
    const contour = document.querySelector(".contour-card");
    const shift = contour ? contour.getBoundingClientRect().top - 4 : 0; // (the bar unsticks)
    if (open && Math.abs(shift) > 24) window.scrollBy({ top: shift, behavior: "smooth" });
  });
  const jump = (target) => {
    setOpen(false);
    if (!target) return;
    const bar = document.querySelector(".transport"); // sticky: keep the target's top below it
    target.style.scrollMarginTop = target.id === "plots" || !bar ? "0px" : `${bar.offsetHeight + 8}px`;
    target.scrollIntoView({ block: "start", behavior: "smooth" });
    target.focus({ preventScroll: true });
  };
  plots.addEventListener("click", () => jump(document.getElementById("plots")));
  explain.addEventListener("click", () => jump(document.getElementById("teach-card")));
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && isOpen() && controls.contains(document.activeElement)) {
      setOpen(false);
      toggle.focus();
    }
  });
  small.addEventListener("change", () => setOpen(false));
  setOpen(false);
}

initLayout();
