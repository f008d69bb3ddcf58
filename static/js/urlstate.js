// The page-only part of the address: parameters prefixed `p.` that the API never sees.
//
// As in TensorFlow Playground's state.ts, one declarative table drives both parsing and writing;
// defaults live in one place; a missing or invalid value falls back to its default with a
// warning. The table is the server's address table (app/address/table.py): its `p.*` rows are
// served in the page (<meta name="address-keys">, the same rows as the catalog's `address`), so
// this module holds no copy of them. The config part of the address is the server's canonical
// query (the server owns that codec), so this module only splits the address and handles `p.` keys.

const isInt = (s) => /^-?\d+$/.test(s);
const inRange = (row, x) => (row.lo === undefined || x >= row.lo) && (row.hi === undefined || x <= row.hi);

// One reader per value shape of a page row: text -> value, or undefined when invalid.
const READERS = {
  bool: parseBool,
  int: (s, row) => (isInt(s) && inRange(row, Number(s)) ? Number(s) : undefined),
  decimal: (s, row) => (/^\d+(\.\d+)?$/.test(s) && inRange(row, Number(s)) ? Number(s) : undefined),
  choice: (s, row) => (row.choices.includes(s) ? s : undefined),
  slug: (s) => (/^[a-z0-9-]{1,40}$/.test(s) ? s : undefined),
  ints: (s, row) => parseIntList(s, row.lo, row.hi, row.items),
  names: (s, row) => parseNameList(s, row.items),
};

export let PAGE_PREFIX = "p.";
export let MAX_RUNS = 8;
// Keys a classroom link may hide with p.hide (besides any hyperparameter name).
export let HIDEABLE = [];
/** name -> {default, parse(text) -> value | undefined (invalid)} */
export let PAGE_PARAMS = {};

/** Take the page rows of the address table ({prefix, max_runs, keys: [row, ...]}). */
export function usePageKeys(table) {
  PAGE_PREFIX = table.prefix;
  MAX_RUNS = table.max_runs;
  PAGE_PARAMS = {};
  for (const row of table.keys) {
    const read = READERS[row.type];
    PAGE_PARAMS[row.name] = { default: row.default, parse: (s) => read(s, row) };
    if (row.name === "hide") HIDEABLE = [...row.choices];
  }
}

if (typeof document !== "undefined") {
  const el = document.querySelector('meta[name="address-keys"]');
  if (el) usePageKeys(JSON.parse(el.content));
}

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

function parseNameList(s, maxLen) {
  if (s === "") return [];
  const parts = s.split(",");
  if (parts.length > maxLen || !parts.every((p) => /^[A-Za-z0-9_]{1,40}$/.test(p))) return undefined;
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
