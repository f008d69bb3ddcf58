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

const MIN_EM = 0.6; // the smallest a block is shrunk to; what still does not fit scrolls
const WRAP_EM = 0.8; // an equation that would need a smaller size is broken into lines instead

/** Shrink each typeset block of `root` that is wider than its box (down to 60 %), so equations
 * fit the panel instead of being cut; what still does not fit scrolls inside its own box. */
export function fitMath(root) {
  for (const el of root.querySelectorAll(".math-display")) fitOne(el);
}

/** Fit `root`'s equations again whenever its width changes (a drawer opens, the window turns)
 * and when KaTeX's fonts arrive (a block fitted in a fallback font is narrower than it will be);
 * a box holding an equation of renderEquation is laid out again, its lines chosen anew. */
export function keepMathFitted(root) {
  const refit = () => (root.equation ? renderEquation(root, ...root.equation) : fitMath(root));
  if (document.fonts) document.fonts.addEventListener("loadingdone", refit);
  if (typeof ResizeObserver !== "function") return;
  let width = 0;
  new ResizeObserver(() => {
    if (root.clientWidth === width) return;
    width = root.clientWidth;
    refit();
  }).observe(root);
}

/** The font size (in em) at which `el` fits its box, 1 when it does: shrunk step by step, since
 * a typeset block's width is not quite proportional to its size (padding, struts). */
function fitOne(el) {
  el.style.fontSize = "";
  let size = 1;
  for (let k = 0; k < 4; k += 1) {
    const avail = el.clientWidth;
    const need = el.scrollWidth;
    if (!(avail > 0 && need > avail + 1) || size <= MIN_EM) break;
    size = Math.max(MIN_EM, Math.floor(size * (avail / need) * 100) / 100);
    el.style.fontSize = `${size}em`;
  }
  return size;
}

// ------------------------------------------------------------------ breaking an equation

/** The places where `latex` may break at its top level (outside braces, brackets, parentheses
 * and \left...\right): `clauses` before each \quad (a clause such as "p = (x, y)"), `terms`
 * before each binary + or - and between two \left...\right factors (a product). Indices. */
export function breakPlaces(latex) {
  const clauses = [];
  const terms = [];
  let depth = 0;
  let last = ""; // the previous top-level token: a + or - after an operator or at the start is a sign
  const delimiter = (i) => /^\s*(\\[a-zA-Z]+|\\.|.)/.exec(latex.slice(i))[0].length;
  for (let i = 0; i < latex.length; i += 1) {
    const c = latex[i];
    if (c === "\\") {
      const name = /^\\([a-zA-Z]+|.?)/.exec(latex.slice(i))[1];
      i += name.length;
      if (/^(left|right|bigl|bigr)$/.test(name)) {
        const opens = name === "left" || name === "bigl";
        if (opens && depth === 0 && last === "right") terms.push(i - name.length); // a product
        // \left...\right is a group; an opened bracket (\bigl...\bigr) leaves its inside top level
        if (name === "left" || name === "right") depth = Math.max(0, depth + (opens ? 1 : -1));
        i += delimiter(i + 1);
        if (!opens && depth === 0) last = "right";
      } else if (depth === 0) {
        if (name === "quad" || name === "qquad") clauses.push(i - name.length);
        if (!/^[,;:! ]$/.test(name)) last = "\\"; // a spacing command changes nothing
      }
      continue;
    }
    if ("{([".includes(c)) depth += 1;
    else if ("})]".includes(c)) depth = Math.max(0, depth - 1);
    else if (depth === 0 && !/\s/.test(c)) {
      if ((c === "+" || c === "-") && last && !/^[=+\-,<>]$/.test(last)) terms.push(i);
      last = c;
    }
    if (depth === 0 && ")]".includes(c)) last = c;
  }
  return { clauses, terms };
}

/** `pieces` (strings in order) grouped into `n` consecutive lines, the longest as short as can
 * be (measured by source length, commands counted as one character: a fair proxy for width). */
function groupLines(pieces, n) {
  const len = pieces.map((p) => p.replace(/\\[a-zA-Z]+/g, "x").length);
  let best = null;
  const walk = (start, left, ends, widest) => {
    if (left === 1) {
      const w = Math.max(widest, len.slice(start).reduce((a, b) => a + b, 0));
      if (!best || w < best.w) best = { w, ends: [...ends, pieces.length] };
      return;
    }
    let run = 0;
    for (let end = start + 1; end <= pieces.length - left + 1; end += 1) {
      run += len[end - 1];
      if (best && run >= best.w) break;
      walk(end, left - 1, [...ends, end], Math.max(widest, run));
    }
  };
  walk(0, n, [], 0);
  return best.ends.map((end, k) => pieces.slice(k ? best.ends[k - 1] : 0, end).join(""));
}

/** The equation `lhs = rhs` typeset into `box`, kept readable at the box's width: on one line
 * when it fits at 80 % or more, else its clauses (after \quad) on lines of their own and its
 * right side broken before a + or - or between two factors (continuation lines indented after
 * "="), into as few lines (up to four) as reach 80 %. The box lays it out again when its width
 * changes (keepMathFitted). A hidden box gets one line, laid out when it is shown. */
export function renderEquation(box, lhs, rhs) {
  box.equation = [lhs, rhs];
  box.replaceChildren();
  const place = (latex) => {
    const el = renderMath(latex, { display: true });
    box.appendChild(el);
    return el;
  };
  const whole = place(`${lhs} = ${rhs}`);
  if (!box.clientWidth || fitOne(whole) >= WRAP_EM) return;
  const { clauses } = breakPlaces(rhs);
  const cuts = [0, ...clauses, rhs.length];
  const parts = cuts.slice(1).map((end, k) => rhs.slice(cuts[k], end).replace(/^\\q?quad\s*/, "").trim());
  const [head, ...rest] = parts;
  box.replaceChildren();
  let lines = breakLines(place, lhs, head);
  // Still too small: open its top-level brackets (\left[ ... \right] become \bigl[ ... \bigr],
  // which may span lines) and break inside them too (Goldstein-Price's two long factors).
  const opened = openBrackets(head);
  if (fitOne(lines) < WRAP_EM && opened !== head) {
    lines.remove();
    lines = breakLines(place, lhs, opened, true);
  }
  for (const clause of rest) fitOne(place(clause.replace(/,\s*$/, "")));
}

/** `lhs = rhs` placed on one line, then on 2, 3 or 4 aligned lines broken at rhs's top-level
 * terms, until it reaches 80 %; the block placed last. The continuation lines are indented after
 * the "=", or (`flush`, for the longest) by 2 em from the left edge, which leaves them more room. */
function breakLines(place, lhs, rhs, flush = false) {
  const at = [0, ...breakPlaces(rhs).terms, rhs.length];
  const pieces = at.slice(1).map((end, k) => rhs.slice(at[k], end));
  let lines = place(`${lhs} = ${rhs}`);
  for (let n = 2; n <= Math.min(4, pieces.length) && fitOne(lines) < WRAP_EM; n += 1) {
    lines.remove();
    const rows = groupLines(pieces, n).map((row, k) => {
      const body = row.trim();
      if (k === 0) return flush ? `& ${lhs} = ${body}` : `${lhs} &= ${body}`;
      const op = /^[+-]/.test(body) ? "" : "\\times "; // a product: "× [...]"
      return `&${flush ? "\\qquad" : "\\quad"} {} ${op}${body}`;
    });
    lines = place(`\\begin{aligned} ${rows.join(" \\\\ ")} \\end{aligned}`);
  }
  return lines;
}

/** `latex` with its top-level \left...\right pairs (outside braces and other pairs) made
 * \bigl...\bigr: fixed-size brackets, which an aligned environment may break between. */
function openBrackets(latex) {
  let braces = 0;
  let pairs = 0;
  return latex.replace(/\\(left|right)(?![a-zA-Z])|\\.|[{}]/g, (m, name) => {
    if (m === "{") braces += 1;
    else if (m === "}") braces -= 1;
    if (!name) return m;
    const outer = braces === 0 && (name === "left" ? pairs === 0 : pairs === 1);
    pairs += name === "left" ? 1 : -1;
    return outer ? `\\big${name === "left" ? "l" : "r"}` : m;
  });
}
