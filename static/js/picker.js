// The optimizer picker: a native select grouped by the catalog's families (keyboard, touch and
// screen readers get the platform's own list) under a type-to-search box that narrows it by
// name, label (both languages), family and paper; a help line names the chosen entry's year and
// paper. Built from the catalog only: a new optimizer or family needs nothing here.

import { withTranslations } from "./api.js";
import { defaults, h } from "./controls.js";
import { t, tc } from "./i18n.js";

const SEP = ":";

function matchesPreset(preset, params) {
  return Object.entries(preset.params).every(([k, v]) => params[k] === v);
}

// The presets listed under an optimizer (a preset that only restates the defaults under the
// optimizer's own label is the optimizer itself).
function listedPresets(spec) {
  const label = tc(spec, "label") || spec.name;
  const base = defaults(spec.params);
  return (spec.presets || []).filter((p) => !((tc(p, "label") || p.name) === label && matchesPreset(p, base)));
}

/** The option value for a run: "adam" or "sgd:momentum" when the params match a preset. */
export function optimizerChoice(spec, params) {
  const preset = listedPresets(spec).find((p) => matchesPreset(p, params));
  return preset ? `${spec.name}${SEP}${preset.name}` : spec.name;
}

/** A fresh optimizer config for a select value, keeping lr when staying on the same optimizer. */
export function optimizerFromChoice(catalog, value, previous) {
  const [name, presetName] = value.split(SEP);
  const spec = catalog.optimizers.find((o) => o.name === name);
  const params = defaults(spec.params);
  if (previous && previous.optimizer === name && "lr" in params && "lr" in previous.params) {
    params.lr = previous.params.lr;
  }
  const preset = (spec.presets || []).find((p) => p.name === presetName);
  if (preset) Object.assign(params, structuredClone(preset.params));
  const out = { optimizer: name, params };
  if (spec.wraps) {
    const inner = catalog.optimizers.find((o) => !o.wraps);
    const kept = previous && previous.inner && !(spec.inner_excludes || []).includes(previous.inner.optimizer);
    out.inner = kept ? previous.inner : { optimizer: inner.name, params: defaults(inner.params) };
  }
  return out;
}

/** "2014 · Kingma & Ba 2014, Adam: …": what an entry's help says of its origin. */
export function originText(spec) {
  return [spec.year, tc(spec, "paper") || tc(spec, "reference")].filter(Boolean).join(" · ");
}

/** The catalog's families in order, each with its optimizers (an unknown family last). */
export function familyGroups(catalog, keep = () => true) {
  const fams = catalog.families || [];
  const groups = fams.map((f) => ({ family: f, items: [] }));
  const byName = new Map(groups.map((g) => [g.family.name, g]));
  const other = { family: null, items: [] };
  for (const o of catalog.optimizers) {
    if (keep(o)) (byName.get(o.family) || other).items.push(o);
  }
  return [...groups, other].filter((g) => g.items.length);
}

const fold = (s) => String(s || "").toLowerCase().replace(/[\s\-_·,.:;()]+/g, "");

/** The text a search is matched against: names, labels in both languages, family, paper, year. */
function haystack(catalog, spec) {
  const fam = (catalog.families || []).find((f) => f.name === spec.family);
  const both = (item, field) => [item && item[field], item && item.i18n && item.i18n.zh && item.i18n.zh[field]];
  const parts = [spec.name, ...both(spec, "label"), spec.family, ...both(fam, "label"), ...both(spec, "paper"),
    spec.year, ...(spec.presets || []).flatMap((p) => [p.name, ...both(p, "label")])];
  return fold(parts.filter(Boolean).join("|"));
}

/** Does `spec` match the search text (every word somewhere in its names, family or paper)? */
export function matchesSearch(catalog, spec, query) {
  const words = String(query || "").trim().split(/\s+/).map(fold).filter(Boolean);
  if (!words.length) return true;
  const hay = haystack(catalog, spec);
  return words.every((w) => hay.includes(w));
}

/**
 * A picker for a run's optimizer: `{el, select}` where `select` (id `id`) holds one optgroup per
 * family, each optimizer followed by its presets. `value`: the current choice (always listed,
 * whatever the search); `onPick(value)` fires on a choice.
 */
export function optimizerPicker(catalog, id, value, onPick, { wrappers = true, excludes = [], label } = {}) {
  const sel = h("select", { id });
  const helpId = `${id}-origin`;
  const countId = `${id}-count`;
  sel.setAttribute("aria-describedby", helpId);
  const search = h("input", { type: "search", class: "picker-search", id: `${id}-search`,
    placeholder: t("picker.search"), "aria-label": t("picker.searchLabel", { name: label || t("run.optimizer") }),
    "aria-controls": id, "aria-describedby": countId, autocomplete: "off", spellcheck: "false",
    title: t("picker.searchHint") });
  const count = h("span", { class: "picker-count visually-hidden", id: countId, "aria-live": "polite" });
  const origin = h("p", { class: "help picker-origin", id: helpId });
  let current = value;
  const specOf = (v) => catalog.optimizers.find((o) => o.name === String(v).split(SEP)[0]);

  const fill = () => {
    const q = search.value;
    const chosen = specOf(current);
    const keep = (o) => (wrappers || !o.wraps) && !excludes.includes(o.name)
      && (o === chosen || matchesSearch(catalog, o, q));
    sel.replaceChildren();
    let shown = 0;
    for (const g of familyGroups(catalog, keep)) {
      const group = h("optgroup", { label: g.family ? tc(g.family, "label") : "…" });
      if (g.family) group.title = tc(g.family, "help");
      for (const o of g.items) {
        const name = tc(o, "label") || o.name;
        if (o !== chosen || matchesSearch(catalog, o, q)) shown += 1;
        group.appendChild(h("option", { value: o.name, text: name, title: originText(o) }));
        for (const p of listedPresets(o)) {
          group.appendChild(h("option", { value: `${o.name}${SEP}${p.name}`, class: "preset",
            text: `${name} · ${tc(p, "label") || p.name}`, title: tc(p, "help") }));
        }
      }
      sel.appendChild(group);
    }
    sel.value = current;
    count.textContent = q.trim() ? t("picker.matches", { n: shown }) : "";
    search.classList.toggle("no-match", Boolean(q.trim()) && shown === 0);
  };

  const describe = () => {
    const spec = specOf(current);
    const fam = spec && (catalog.families || []).find((f) => f.name === spec.family);
    origin.textContent = spec ? [fam && tc(fam, "label"), originText(spec)].filter(Boolean).join(" · ") : "";
    sel.title = origin.textContent;
  };

  sel.addEventListener("change", () => {
    current = sel.value;
    describe();
    onPick(sel.value);
  });
  search.addEventListener("input", () => {
    fill();
    // A search in Chinese on a page opened in English: the labels' translations, then again.
    if (/[^\x00-\x7f]/.test(search.value) && catalog.texts === "en") {
      withTranslations(catalog).then(fill).catch(() => {});
    }
  });
  // Enter takes the first match; the down arrow goes to the list; Escape clears the search.
  search.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      const first = [...sel.options].find((o) => !o.classList.contains("preset")
        && matchesSearch(catalog, specOf(o.value), search.value));
      if (first && first.value !== current) {
        sel.value = first.value;
        sel.dispatchEvent(new Event("change"));
      }
    } else if (ev.key === "ArrowDown") {
      ev.preventDefault();
      sel.focus();
    } else if (ev.key === "Escape" && search.value) {
      ev.preventDefault();
      search.value = "";
      fill();
    }
  });
  fill();
  describe();
  const box = h("div", { class: "picker" }, sel, search, count, origin);
  return { el: box, select: sel, search };
}
