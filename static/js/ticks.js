// Round tick values for the page's own axes (the maps' hyperparameter axes, the line charts' log
// axes): Plotly's automatic log ticks label every digit of a range shorter than a decade or two,
// which crowds a small chart into an unreadable column ("2 10 9 8 7 6 5 4 3 2 1").

import { numberParts } from "./math.js";

const NICE = [1, 2, 5];

/** The leading digit of a round value: 1 for a power of ten, 2 or 5 for 2x and 5x one. */
const leading = (v) => Math.round(v / 10 ** Math.floor(Math.log10(v) + 1e-9));

/** 10 to the power k as Plotly writes it (10<sup>−3</sup>). */
const power = (k) => `10<sup>${k < 0 ? "−" : ""}${Math.abs(k)}</sup>`;

/** Round tick values of a linear range: steps of 1, 2 or 5 x 10^k, about `want` of them. */
export function linearTicks(lo, hi, want = 5) {
  const raw = (hi - lo) / want;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = (NICE.find((m) => m * mag >= raw) || 10) * mag;
  const out = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k += 1) out.push(Number((k * step).toPrecision(12)));
  return out;
}

/** Round tick values of a log range, at most `most` of them: powers of ten (every other one, or
 * fewer, over many decades), with 2x and 5x added when fewer than three decades fall inside. */
export function logTicks(lo, hi, most = 6) {
  const k0 = Math.ceil(Math.log10(lo) - 1e-9);
  const k1 = Math.floor(Math.log10(hi) + 1e-9);
  const span = k1 - k0 + 1;
  const every = span > most + 1 ? Math.ceil(span / most) : 1;
  let out = [];
  for (let k = k0; k <= k1; k += 1) if ((k - k0) % every === 0) out.push(Number((10 ** k).toPrecision(12)));
  if (out.length < 3) {
    for (let k = k0 - 1; k <= k1; k += 1) {
      for (const m of [2, 5]) {
        const v = Number((m * 10 ** k).toPrecision(12));
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
      }
    }
  }
  for (const m of [5, 2]) if (out.length > most) out = out.filter((v) => leading(v) !== m);
  out.sort((a, b) => a - b);
  return out.length >= 2 ? out : linearTicks(lo, hi, Math.min(4, most));
}

/** A tick label in the page's number format, as Plotly writes powers: 10⁻³, 2×10⁻⁴, 0.05. */
export function tickLabel(v) {
  const p = numberParts(v, 3);
  if (p.special) return p.special === "0" ? "0" : String(v);
  const sign = p.sign ? "−" : "";
  if (!p.exponent) return `${sign}${p.mantissa}`;
  return p.mantissa === "1" ? `${sign}${power(p.exponent)}` : `${sign}${p.mantissa}×${power(p.exponent)}`;
}

const LABEL_GAP = 24; // px between two labels of a vertical axis (a label is about 14 px tall)

/** A Plotly log axis's ticks over the positive range [lo, hi] (its values, not their log10),
 * drawn `px` pixels long (0: unknown): round values no two of which come closer than LABEL_GAP
 * (decades kept first, then 2s, then 5s: 1-2-5 are unevenly spaced on a log axis), labelled in
 * the page's format; nothing to change when the range is unknown. */
export function logAxisTicks(lo, hi, px = 0) {
  if (!(lo > 0 && hi > lo && Number.isFinite(hi))) return {};
  let tickvals = logTicks(lo, hi, px > 0 ? Math.max(2, Math.floor(px / LABEL_GAP)) : 6);
  if (px > 0) {
    const perDecade = px / Math.log10(hi / lo);
    const kept = [];
    for (const v of [...tickvals].sort((a, b) => leading(a) - leading(b))) {
      if (kept.every((w) => Math.abs(Math.log10(v / w)) * perDecade >= LABEL_GAP)) kept.push(v);
    }
    tickvals = kept.sort((a, b) => a - b);
  }
  // Decades only, over three or more: all written as powers, as Plotly does, not 0.01 beside 10⁻⁴.
  const powers = tickvals.every((v) => leading(v) === 1)
    && tickvals[tickvals.length - 1] / tickvals[0] >= 999;
  const label = (v) => {
    const k = Math.round(Math.log10(v));
    return k === 0 ? "1" : power(k);
  };
  return { tickmode: "array", tickvals, ticktext: tickvals.map(powers ? label : tickLabel) };
}
