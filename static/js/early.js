// The page's first requests, asked for while the large classic scripts (plotly.js, KaTeX) are
// still loading: an async module runs as soon as it and its two imports (preloaded) are there,
// not after them; main.js, run after them, asks for the same URLs and takes these answers
// (api.js prefetchJSON). Nothing is drawn here, and a failure is left for main.js to meet and
// show. (main.js stays the page's first module script: tests find the modules' base by it.)

import { catalogURL, configURL, prefetchJSON, surfaceURL } from "./api.js";
import { splitQuery } from "./urlstate.js";

const firstScreen = window.location.search.replace(/^\?/, "") === "";
const catalog = prefetchJSON(catalogURL(splitQuery(window.location.search).page.lang));

/** The surface grid main.js draws first (the catalog says whether f is drawn on a log scale). */
function prefetchSurface(cat, decoded) {
  const surface = decoded && decoded.config && decoded.config.surface;
  if (!surface || !surface.view) return;
  const named = surface.expression === undefined || surface.expression === null;
  const spec = named ? (cat.surfaces || []).find((s) => s.name === surface.name) : null;
  prefetchJSON(surfaceURL(surface, { resolution: cat.limits.default_grid, log: Boolean(spec && spec.log_scale) }));
}

// Each request is registered in the first reaction to what it needs, before main.js (which runs
// later) waits on the same answers, so main.js finds it.
if (firstScreen) {
  catalog.then((cat) => {
    const config = prefetchJSON(configURL(splitQuery(`?${cat.first_screen || ""}`).apiQuery));
    config.then((decoded) => prefetchSurface(cat, decoded)).catch(() => {});
  }).catch(() => {});
} else {
  const config = prefetchJSON(configURL(splitQuery(window.location.search).apiQuery));
  Promise.all([catalog, config]).then(([cat, decoded]) => prefetchSurface(cat, decoded)).catch(() => {});
}
