// Mathematics on the page: LaTeX typeset by KaTeX (vendored under static/vendor/katex/, loaded by
// the page as a classic script before the modules, so `globalThis.katex` is there), the one
// number format of the page, and plain text for plot titles (Plotly takes no math).
//
// KaTeX never evaluates its input and builds no links or scripts (trust is off), so any catalog
// or user string is safe to typeset; a string KaTeX cannot parse is shown in red as its source.

const katex = () => globalThis.katex;

/** An element holding `latex` typeset (display: a block, centred, for equations). */
export function renderMath(latex, { display = false, doc = document } = {}) {
  const el = doc.createElement(display ? "div" : "span");
  el.className = display ? "math math-display" : "math";
  const src = String(latex ?? "");
  el.setAttribute("aria-label", src);
  if (!katex()) {
    el.textContent = src; // KaTeX missing: the source is still readable
    return el;
  }
  katex().render(src, el, {
    displayMode: display, throwOnError: false, strict: "ignore", trust: false, output: "htmlAndMathml",
  });
  // A display block fits its box once it is laid out (wherever the page put it).
  if (display && typeof requestAnimationFrame === "function") {
    requestAnimationFrame(() => { if (el.isConnected) fitOne(el); });
  }
  return el;
}

// ------------------------------------------------------------------ the one number format

const SIGNIFICANT = 4;

/**
 * A number as significant digits and a power of ten: {sign, mantissa, exponent} (exponent 0
 * for |v| in [1e-3, 1e4), shown as a plain decimal), or {special} for 0, NaN and infinities.
 * Every number the teaching panel, the state chips and the state table show comes from here.
 */
export function numberParts(v, digits = SIGNIFICANT) {
  if (v === null || v === undefined || Number.isNaN(v)) return { special: "nan" };
  if (!Number.isFinite(v)) return { special: v > 0 ? "inf" : "-inf" };
  if (v === 0) return { special: "0" };
  const trim = (s) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e4) {
    let s = trim(a.toPrecision(digits));
    if (s.includes("e")) s = trim(Number(s).toString()); // toPrecision's own exponent form
    return { sign: v < 0 ? "-" : "", mantissa: s, exponent: 0 };
  }
  const [m, e] = a.toExponential(digits - 1).split("e");
  return { sign: v < 0 ? "-" : "", mantissa: trim(m), exponent: Number(e) };
}

const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };

/** The number as text: 4.648 × 10⁴, −2.319 × 10⁻⁴, 0.05 (Unicode minus and superscripts). */
export function formatNumber(v, digits = SIGNIFICANT) {
  const p = numberParts(v, digits);
  if (p.special) return { nan: "–", inf: "∞", "-inf": "−∞", 0: "0" }[p.special];
  const sign = p.sign ? "−" : "";
  if (!p.exponent) return `${sign}${p.mantissa}`;
  const exp = [...String(p.exponent)].map((c) => SUPERSCRIPT[c]).join("");
  return `${sign}${p.mantissa} × 10${exp}`;
}

/** The same number in LaTeX: 4.648 \times 10^{4}. */
export function latexNumber(v, digits = SIGNIFICANT) {
  const p = numberParts(v, digits);
  if (p.special) return { nan: "\\text{–}", inf: "\\infty", "-inf": "-\\infty", 0: "0" }[p.special];
  if (!p.exponent) return `${p.sign}${p.mantissa}`;
  return `${p.sign}${p.mantissa} \\times 10^{${p.exponent}}`;
}

// ------------------------------------------------------------------ plain text for plot titles

const SUB = { 0: "₀", 1: "₁", 2: "₂", 3: "₃", 4: "₄", 5: "₅", 6: "₆", 7: "₇", 8: "₈", 9: "₉",
  "+": "₊", "−": "₋", "=": "₌", "(": "₍", ")": "₎", a: "ₐ", e: "ₑ", o: "ₒ", x: "ₓ", h: "ₕ",
  k: "ₖ", l: "ₗ", m: "ₘ", n: "ₙ", p: "ₚ", s: "ₛ", t: "ₜ", i: "ᵢ", j: "ⱼ", r: "ᵣ", u: "ᵤ", v: "ᵥ" };
const SUP = { 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹",
  "+": "⁺", "−": "⁻", "=": "⁼", "(": "⁽", ")": "⁾", i: "ⁱ", n: "ⁿ", t: "ᵗ", m: "ᵐ", a: "ᵃ",
  x: "ˣ", k: "ᵏ", e: "ᵉ", d: "ᵈ", f: "ᶠ" };
const COMBINING = { "^": "\u0302", "ˆ": "\u0302", "¯": "\u0304", "ˉ": "\u0304", "‾": "\u0305", "~": "\u0303",
  "˜": "\u0303", "→": "\u20D7", "˙": "\u0307", "¨": "\u0308", ˇ: "\u030C" };

function script(text, table, mark) {
  const chars = [...text];
  if (chars.length && chars.every((c) => c in table)) return chars.map((c) => table[c]).join("");
  return chars.length === 1 ? mark + text : `${mark}{${text}}`;
}

function plain(node) {
  if (node.nodeType === 3) return node.nodeValue;
  if (node.nodeType !== 1) return "";
  const tag = node.localName;
  if (tag === "annotation") return "";
  if (tag === "mspace") return " ";
  const kids = [...node.childNodes].filter((c) => c.nodeType === 1 || c.nodeValue.trim()).map(plain);
  switch (tag) {
    case "msub": case "munder": return kids[0] + script(kids[1], SUB, "_");
    case "msup": return kids[0] + script(kids[1], SUP, "^");
    case "msubsup": case "munderover":
      return kids[0] + script(kids[1], SUB, "_") + script(kids[2], SUP, "^");
    case "mover":
      if (node.getAttribute("accent") === "true" && kids[1] in COMBINING) return kids[0] + COMBINING[kids[1]];
      return kids[0] + script(kids[1], SUP, "^");
    case "mfrac": return `${kids[0]}/${kids[1]}`;
    case "msqrt": return `√(${kids.join("")})`;
    default: return kids.join("");
  }
}

const plainCache = new Map(); // symbol -> text: the legends ask again at every drawn frame

/** Plain Unicode text for a short LaTeX symbol (for plot axis titles, which take no math). */
export function latexToText(src) {
  const text = String(src ?? "");
  if (!katex()) return text;
  if (!plainCache.has(text)) {
    if (plainCache.size > 500) plainCache.clear();
    plainCache.set(text, plainText(text));
  }
  return plainCache.get(text);
}

function plainText(text) {
  const html = katex().renderToString(text, { output: "mathml", throwOnError: false, strict: "ignore" });
  const doc = new DOMParser().parseFromString(html, "text/html");
  const math = doc.querySelector("math");
  return (math ? plain(math) : text).replace(/\s+/g, " ").trim();
}

// ------------------------------------------------------------------ fitting to the panel

/** Shrink each typeset block of `root` that is wider than its box (down to 60 %), so equations
 * fit the panel instead of being cut; what still does not fit scrolls inside its own box. */
export function fitMath(root) {
  for (const el of root.querySelectorAll(".math-display")) fitOne(el);
}

/** Fit `root`'s equations again whenever its width changes (a drawer opens, the window turns). */
export function keepMathFitted(root) {
  if (typeof ResizeObserver !== "function") return;
  let width = 0;
  new ResizeObserver(() => {
    if (root.clientWidth === width) return;
    width = root.clientWidth;
    fitMath(root);
  }).observe(root);
}

function fitOne(el) {
  el.style.fontSize = "";
  const avail = el.clientWidth;
  const need = el.scrollWidth;
  if (avail > 0 && need > avail + 1) {
    el.style.fontSize = `${Math.max(0.6, Math.floor((avail / need) * 100) / 100)}em`;
  }
}
