// The page-only part of the address: parameters prefixed `p.` that the API never sees.
//
// As in TensorFlow Playground's state.ts, one declarative table drives both parsing and writing;
// defaults live in one place; a missing or invalid value falls back to its default with a
// warning. The config part of the address is the server's canonical query (the server owns that
// codec), so this module only splits the address and handles the `p.` keys.

export const PAGE_PREFIX = "p.";
export const MAX_RUNS = 8;

// Keys a classroom link may hide with p.hide (besides any hyperparameter name).
export const HIDEABLE = [
  "surface", "formula", "view", "start", "steps", "noise", "batch_size", "seed", "runs",
  "optimizer", "schedule", "color", "language", "link", "lr_plot", "loss_plot", "state_plot",
  "teach", "3d", "playback", "settings", "maps", "stretch", "data_plot",
];

const isInt = (s) => /^-?\d+$/.test(s);

/** name -> {type, default, parse(text) -> value | undefined (invalid)} */
export const PAGE_PARAMS = {
  step: { default: 0, parse: (s) => (isInt(s) && Number(s) >= 0 && Number(s) <= 1e6 ? Number(s) : undefined) },
  lang: { default: "en", parse: (s) => (s === "en" || s === "zh" ? s : undefined) },
  view: { default: "2d", parse: (s) => (s === "2d" || s === "3d" ? s : undefined) },
  sel: { default: 0, parse: (s) => (isInt(s) && Number(s) >= 0 && Number(s) < MAX_RUNS ? Number(s) : undefined) },
  log: { default: false, parse: (s) => (s === "1" || s === "true" ? true : s === "0" || s === "false" ? false : undefined) },
  // The lr chart's log axis: unset = automatic (log when the runs' lrs span more than two decades).
  lrlog: { default: null, parse: (s) => (s === "1" || s === "true" ? true : s === "0" || s === "false" ? false : undefined) },
  // The contour (and 3D) stretched to fill its box instead of equal x and y scales.
  stretch: { default: false, parse: (s) => (s === "1" || s === "true" ? true : s === "0" || s === "false" ? false : undefined) },
  speed: { default: 60, parse: (s) => (/^\d+(\.\d+)?$/.test(s) && Number(s) >= 1 && Number(s) <= 10000 ? Number(s) : undefined) },
  // Run colours as palette indices, one per run: "0,1,2".
  colors: { default: [], parse: (s) => parseIntList(s, 0, 7, MAX_RUNS) },
  // Hidden runs (indices): "1,3".
  off: { default: [], parse: (s) => parseIntList(s, 0, MAX_RUNS - 1, MAX_RUNS) },
  // Controls hidden for a classroom link: "noise,seed,runs".
  hide: { default: [], parse: (s) => parseNameList(s) },
  // State quantities switched off in the state view: "v_hat,effective_lr".
  qoff: { default: [], parse: (s) => parseNameList(s) },
  // Presentation mode (projector: charts large, controls hidden) and embed mode (an iframe).
  present: { default: false, parse: parseBool },
  embed: { default: false, parse: parseBool },
  theme: { default: "light", parse: (s) => (s === "light" || s === "dark" ? s : undefined) },
  // The open lesson (an id from the catalog's lessons) and its scene.
  lesson: { default: "", parse: (s) => (/^[a-z0-9-]{1,40}$/.test(s) ? s : undefined) },
  scene: { default: 0, parse: (s) => (isInt(s) && Number(s) >= 0 && Number(s) < 50 ? Number(s) : undefined) },
};

function parseBool(s) {
  if (s === "1" || s === "true") return true;
  return s === "0" || s === "false" ? false : undefined;
}

function parseIntList(s, lo, hi, maxLen) {
  if (s === "") return [];
  const parts = s.split(",");
  if (parts.length > maxLen || !parts.every((p) => isInt(p) && Number(p) >= lo && Number(p) <= hi)) {
    return undefined;
  }
  return parts.map(Number);
}

function parseNameList(s) {
  if (s === "") return [];
  const parts = s.split(",");
  if (parts.length > 64 || !parts.every((p) => /^[A-Za-z0-9_]{1,40}$/.test(p))) return undefined;
  return parts;
}

export function defaultPage() {
  const out = {};
  for (const [k, spec] of Object.entries(PAGE_PARAMS)) {
    out[k] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
  }
  return out;
}

/**
 * Split a search string into the API query (no `p.` keys, order kept, encoding untouched) and
 * the parsed page state with warnings [{field, msg}] for invalid page values.
 */
export function splitQuery(search) {
  const raw = search.startsWith("?") ? search.slice(1) : search;
  const apiParts = [];
  const page = defaultPage();
  const warnings = [];
  for (const part of raw.split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const rawKey = eq >= 0 ? part.slice(0, eq) : part;
    let key;
    try {
      key = decodeURIComponent(rawKey.replace(/\+/g, " "));
    } catch {
      key = rawKey;
    }
    if (!key.startsWith(PAGE_PREFIX)) {
      apiParts.push(part);
      continue;
    }
    const name = key.slice(PAGE_PREFIX.length);
    let value = eq >= 0 ? part.slice(eq + 1) : "";
    try {
      value = decodeURIComponent(value.replace(/\+/g, " "));
    } catch {
      value = "\u0000invalid";
    }
    const spec = PAGE_PARAMS[name];
    if (!spec) {
      warnings.push({ field: key, msg: "unknown page parameter, ignored" });
      continue;
    }
    const parsed = spec.parse(value);
    if (parsed === undefined) {
      warnings.push({ field: key, msg: "invalid value, using the default" });
    } else {
      page[name] = parsed;
    }
  }
  return { apiQuery: apiParts.join("&"), page, warnings };
}

function same(a, b) {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => v === b[i]);
  return a === b;
}

/** The `p.` part of the address for the page state (defaults left out). */
export function pageQuery(page) {
  const q = new URLSearchParams();
  for (const [name, spec] of Object.entries(PAGE_PARAMS)) {
    const v = page[name];
    if (v === undefined || same(v, spec.default)) continue;
    if (Array.isArray(v)) q.set(PAGE_PREFIX + name, v.join(","));
    else if (typeof v === "boolean") q.set(PAGE_PREFIX + name, v ? "1" : "0");
    else q.set(PAGE_PREFIX + name, String(v));
  }
  return q.toString();
}

/** The full search string: the server's canonical query, then the page part. */
export function composeSearch(canonical, page) {
  const parts = [];
  if (canonical) parts.push(canonical.replace(/^\?/, ""));
  const pq = pageQuery(page);
  if (pq) parts.push(pq);
  return parts.length ? `?${parts.join("&")}` : "";
}
