// The run colours, dash patterns, marker symbols and map colours: the catalog's `palette`
// (app/palette.py), the page's only source of them. The arrays are filled in place once the
// catalog has arrived (usePalette), so modules may import them before that.

/** Run colours by palette index: {name, hex, label, i18n}. */
export const PALETTE = [];
/** Dash patterns by run index: {plotly, canvas} (Plotly's dash name, the canvas pattern). */
export const DASHES = [];
/** Plotly marker symbols by run index. */
export const SYMBOLS = [];
/** One colour per minimum a basin map found (cycled). */
export const BASIN_COLORS = [];
/** The maps' colours of diverged, never-reaching and still-moving cells. */
export const MAP_COLORS = { diverged: "", never: "", unsettled: "" };

/** Fill the tables from the catalog's `palette`. */
export function usePalette(palette) {
  PALETTE.splice(0, PALETTE.length, ...palette.runs);
  DASHES.splice(0, DASHES.length, ...palette.dashes);
  SYMBOLS.splice(0, SYMBOLS.length, ...palette.markers);
  BASIN_COLORS.splice(0, BASIN_COLORS.length, ...palette.basins);
  Object.assign(MAP_COLORS, { diverged: palette.diverged, never: palette.never, unsettled: palette.unsettled });
}
