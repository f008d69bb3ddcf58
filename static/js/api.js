// The server's API: catalog, surface grid, lenient config decode and the NDJSON trajectory stream.
// Every request takes an AbortSignal so a newer request can cancel an older one.

export class ApiError extends Error {
  /** `details`: [{field, msg}] from a 422 answer (or one entry for other failures). */
  constructor(status, details) {
    super(details.map((d) => (d.field ? `${d.field}: ${d.msg}` : d.msg)).join("; "));
    this.name = "ApiError";
    this.status = status;
    this.details = details;
  }
}

export function isAbort(err) {
  return err && (err.name === "AbortError" || err.name === "ApiAbort");
}

async function errorFrom(response) {
  let details = [{ field: "", msg: `${response.status} ${response.statusText}` }];
  try {
    const body = await response.json();
    if (Array.isArray(body.detail)) {
      details = body.detail.map((d) => ({
        field: typeof d.field === "string" ? d.field
          : Array.isArray(d.loc) ? d.loc.filter((p) => p !== "body").join(".") : "",
        msg: String(d.msg ?? d.message ?? ""),
      }));
    } else if (body.detail !== undefined) {
      details = [{ field: "", msg: String(body.detail) }];
    }
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(response.status, details);
}

// Answers asked for before the page's code ran (early.js, while plotly.js is evaluated): the
// first getJSON of the same URL takes its answer instead of asking again.
const early = new Map();

/** GET `url` now; the page's first getJSON of the same URL takes this answer. */
export function prefetchJSON(url) {
  if (!early.has(url)) {
    const answer = fetchJSON(url);
    answer.catch(() => {}); // its reader sees the error, if it ever asks
    early.set(url, answer);
  }
  return early.get(url);
}

async function fetchJSON(url, signal) {
  const response = await fetch(url, { signal, headers: { Accept: "application/json" } });
  if (!response.ok) throw await errorFrom(response);
  return response.json();
}

function getJSON(url, signal) {
  const answer = early.get(url);
  if (answer && !(signal && signal.aborted)) {
    early.delete(url);
    return answer;
  }
  return fetchJSON(url, signal);
}

// The page opens with the catalog less its lessons (9 kB of texts the first screen does not show);
// the lessons come from /api/lessons when a lesson is opened or the gallery shown. A page in
// English asks for its texts in English only (16 kB less; the catalog's `texts` is then "en"),
// and for the translations when they are needed (withTranslations).
export const catalogURL = (lang) => (lang === "en" ? "/api/catalog?lessons=0&texts=en" : "/api/catalog?lessons=0");

export function getCatalog(lang, signal) {
  return getJSON(catalogURL(lang), signal);
}

const grafting = new WeakMap(); // catalog -> the promise of its translations

/**
 * Resolves once `catalog` holds its translations: a catalog asked for in English only gets
 * them from the whole catalog the first time they are needed (a language change, a search in
 * Chinese), grafted in place; rejects if they could not be had (it can be asked again).
 */
export function withTranslations(catalog) {
  if (!catalog || catalog.texts !== "en") return Promise.resolve();
  if (!grafting.has(catalog)) {
    grafting.set(catalog, getJSON(catalogURL("all")).then((whole) => {
      graftTranslations(catalog, whole);
      catalog.texts = whole.texts;
    }).catch((err) => {
      grafting.delete(catalog);
      throw err;
    }));
  }
  return grafting.get(catalog);
}

/**
 * Put the translations of `whole` (the catalog with every text) into `catalog` (the same catalog
 * asked for in English only), in place: every object keeps its identity, so whatever holds one
 * (a control, a legend) reads the new language through it.
 */
function graftTranslations(catalog, whole) {
  if (Array.isArray(whole)) {
    whole.forEach((v, i) => graftTranslations(catalog && catalog[i], v));
    return;
  }
  if (!whole || typeof whole !== "object" || !catalog || typeof catalog !== "object") return;
  for (const [key, value] of Object.entries(whole)) {
    if (key === "i18n") catalog.i18n = value;
    else if (key === "texts") continue;
    else graftTranslations(catalog[key], value);
  }
}

/** The catalog's lessons ({lessons: [...]}). */
export function getLessons(signal) {
  return getJSON("/api/lessons", signal);
}

/** The lenient decoder's URL for a page query. */
export const configURL = (query) => `/api/config?${query}`;

/** Lenient decode of a page query: {config, query, warnings}. */
export function getConfig(query, signal) {
  return getJSON(configURL(query), signal);
}

/**
 * The surface grid for a validated surface config ({name, params, view} or {expression, view}).
 * Returns {x, y, z, log, zmin, zmax, minima, latex, label}.
 */
export function getSurface(surface, { resolution = 120, log = false, signal } = {}) {
  return getJSON(surfaceURL(surface, { resolution, log }), signal);
}

/** The URL of a surface config's grid. */
export function surfaceURL(surface, { resolution = 120, log = false } = {}) {
  const q = new URLSearchParams();
  if (surface.expression !== undefined && surface.expression !== null) {
    q.set("expression", surface.expression);
  } else {
    q.set("name", surface.name);
    for (const [k, v] of Object.entries(surface.params || {})) {
      if (v !== null && v !== undefined) q.set(k, String(v));
    }
  }
  if (surface.view) q.set("view", surface.view.join(","));
  q.set("resolution", String(resolution));
  q.set("log", log ? "1" : "0");
  q.set("digits", "5"); // a contour needs no more; the grid travels about four times smaller
  return `/api/surface?${q}`;
}

/**
 * POST the config and read the NDJSON stream, calling `onRecord(record)` for every record
 * (start, steps, end; with `points`, points records instead of steps: x and y only; with
 * `digits`, every series but the paths rounded to that many significant digits, as the page
 * shows them). Resolves when the stream ends; rejects with ApiError on a 4xx/5xx and with an
 * AbortError when `signal` fires.
 */
export async function streamTrajectory(config, { signal, onRecord, points = false, digits = null }) {
  const query = points ? "?fields=points" : digits ? `?digits=${digits}` : "";
  const response = await fetch(`/api/trajectory${query}`, {
    method: "POST",
    signal,
    headers: { "Content-Type": "application/json", Accept: "application/x-ndjson" },
    body: JSON.stringify(config),
  });
  await readNDJSON(response, signal, onRecord);
}

/**
 * A map's NDJSON stream (start, progress, rows, end) from /api/map/<kind>: POST `{body}` (a
 * configuration and a map spec) or GET `{query}` (a page query with its map keys).
 */
export async function streamMap(kind, { body, query }, { signal, onRecord }) {
  const url = `/api/map/${kind}`;
  const response = body !== undefined
    ? await fetch(url, {
      method: "POST",
      signal,
      headers: { "Content-Type": "application/json", Accept: "application/x-ndjson" },
      body: JSON.stringify(body),
    })
    : await fetch(`${url}?${query}`, { signal, headers: { Accept: "application/x-ndjson" } });
  await readNDJSON(response, signal, onRecord);
}

/** Read an NDJSON response line by line; an error status becomes an ApiError. */
async function readNDJSON(response, signal, onRecord) {
  if (!response.ok) throw await errorFrom(response);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (signal && signal.aborted) {
      reader.cancel().catch(() => {});
      const err = new Error("aborted");
      err.name = "AbortError";
      throw err;
    }
    if (value) buffer += decoder.decode(value, { stream: !done });
    let nl = buffer.indexOf("\n");
    while (nl >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (line) dispatch(line, onRecord);
      nl = buffer.indexOf("\n");
    }
    if (done) break;
  }
  const rest = buffer.trim();
  if (rest) dispatch(rest, onRecord);
}

function dispatch(line, onRecord) {
  const record = JSON.parse(line);
  if (record && record.type === "error") {
    throw new ApiError(422, Array.isArray(record.detail) ? record.detail
      : [{ field: "", msg: String(record.detail ?? record.msg ?? "error") }]);
  }
  onRecord(record);
}

/**
 * The canonical query and filled config of a configuration ({config, query}, as a trajectory's
 * start record has them) from POST /api/config, which validates without running it: nothing
 * is computed for it. Rejects with ApiError on an invalid value.
 */
export async function fetchStart(config, signal) {
  const response = await fetch("/api/config", {
    method: "POST",
    signal,
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(config),
  });
  if (!response.ok) throw await errorFrom(response);
  const answer = await response.json();
  return { type: "start", config: answer.config, query: answer.query };
}
