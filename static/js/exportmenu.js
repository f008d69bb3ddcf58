// The export menu's wiring, loaded with the page: its buttons (whose work, export.js, loads the
// first time one is pressed), the map buttons' state (enabled once a map is computed), Escape.

import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const MAP_KINDS = ["hyper", "basin"];
const BUTTONS = ["csv", "json", "png", "svg", "py", "py-copy", "map-hyper", "map-basin"];

function mapData({ app }, kind) {
  const m = app.maps && app.maps.maps[kind];
  return m && m.data && m.data.complete ? m.data : null;
}

/** The map buttons enabled for computed maps, and the hyperparameter map among the figures. */
function refreshMaps(ctx) {
  for (const kind of MAP_KINDS) {
    const button = $(`export-map-${kind}`);
    button.disabled = !mapData(ctx, kind);
    button.title = button.disabled ? t("export.mapWait") : "";
  }
  const select = $("export-figure");
  let option = select.querySelector('option[value="hyper"]');
  if (mapData(ctx, "hyper") && !option) {
    option = document.createElement("option");
    option.value = "hyper";
    option.dataset.i18n = "maps.hyper";
    option.textContent = t("maps.hyper");
    select.appendChild(option);
  } else if (!mapData(ctx, "hyper") && option) {
    if (select.value === "hyper") select.value = "contour";
    option.remove();
  }
}

/** A button's handler: clears the note, runs its action, says what failed instead of throwing. */
const action = (ctx, name) => async () => {
  ctx.note.textContent = "";
  try {
    const { ACTIONS } = await import("./export.js");
    await ACTIONS[name](ctx);
  } catch (err) {
    ctx.note.textContent = t("export.failed", { msg: String((err && err.message) || err) });
  }
};

/**
 * Wire the export menu. `app`: the page's state (dataset, config, catalog, views, page);
 * `style()`: the run colours and visibility as drawn.
 */
export function initExport(app, { style }) {
  const ctx = { app, style, note: $("export-note") };
  for (const name of BUTTONS) $(`export-${name}`).addEventListener("click", action(ctx, name));
  document.addEventListener("optviz:maps", () => refreshMaps(ctx));
  const menu = $("export-menu");
  menu.addEventListener("toggle", () => {
    if (menu.open) refreshMaps(ctx);
  });
  refreshMaps(ctx);
  // Close the menu with Escape, back on its button.
  menu.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && menu.open) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
  document.addEventListener("optviz:drawn", () => {
    if (ctx.note.textContent === t("export.wait")) ctx.note.textContent = "";
  });
}
