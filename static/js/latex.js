// A small LaTeX -> MathML converter for the subset the catalog uses.
//
// No math library is available offline, but Chromium renders MathML Core natively, so the page
// converts the catalog's LaTeX (fractions, roots, sub/superscripts, accents, \left...\right,
// cases, \text, greek letters, operators and spaces) into MathML elements. The parser builds a
// plain tree first (testable without a DOM); `renderMath` turns it into elements with
// createElementNS / textContent only, so no input can inject markup. Unknown commands are shown
// as their name in a text box instead of failing.

const MATHML_NS = "http://www.w3.org/1998/Math/MathML";

const GREEK = {
  alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ϵ", varepsilon: "ε", zeta: "ζ",
  eta: "η", theta: "θ", vartheta: "ϑ", iota: "ι", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν",
  xi: "ξ", pi: "π", varpi: "ϖ", rho: "ρ", varrho: "ϱ", sigma: "σ", varsigma: "ς", tau: "τ",
  upsilon: "υ", phi: "ϕ", varphi: "φ", chi: "χ", psi: "ψ", omega: "ω",
  Gamma: "Γ", Delta: "Δ", Theta: "Θ", Lambda: "Λ", Xi: "Ξ", Pi: "Π", Sigma: "Σ",
  Upsilon: "Υ", Phi: "Φ", Psi: "Ψ", Omega: "Ω",
};

// Symbols rendered as operators (mo).
const OPERATORS = {
  le: "≤", leq: "≤", ge: "≥", geq: "≥", ne: "≠", neq: "≠", approx: "≈", sim: "∼",
  equiv: "≡", propto: "∝", cdot: "⋅", times: "×", div: "÷", pm: "±", mp: "∓", ast: "∗",
  star: "⋆", circ: "∘", odot: "⊙", otimes: "⊗", oplus: "⊕", leftarrow: "←", gets: "←",
  rightarrow: "→", to: "→", Leftarrow: "⇐", Rightarrow: "⇒", leftrightarrow: "↔",
  nearrow: "↗", searrow: "↘", uparrow: "↑", downarrow: "↓", mapsto: "↦", mid: "∣",
  vert: "|", lvert: "|", rvert: "|", Vert: "‖", "|": "‖", in: "∈", notin: "∉",
  subset: "⊂", subseteq: "⊆", cup: "∪", cap: "∩", forall: "∀", exists: "∃", neg: "¬",
  land: "∧", lor: "∨", sum: "∑", prod: "∏", int: "∫", lfloor: "⌊", rfloor: "⌋",
  lceil: "⌈", rceil: "⌉", langle: "⟨", rangle: "⟩", "{": "{", "}": "}", ldots: "…",
  cdots: "⋯", dots: "…", setminus: "∖", colon: ":", perp: "⊥", parallel: "∥",
};

// Symbols rendered as identifiers (mi) in upright or italic style.
const IDENTIFIERS = {
  nabla: "∇", partial: "∂", infty: "∞", top: "⊤", ell: "ℓ", hbar: "ℏ", emptyset: "∅",
  prime: "′", _: "_", "%": "%", "#": "#", "&": "&", $: "$",
};

const FUNCTIONS = new Set([
  "sin", "cos", "tan", "cot", "sec", "csc", "sinh", "cosh", "tanh", "exp", "log", "ln", "lg",
  "max", "min", "sup", "inf", "det", "arg", "lim", "sgn", "arcsin", "arccos", "arctan", "gcd",
]);

const LIMIT_OPS = new Set(["sum", "prod", "int", "max", "min", "lim", "sup", "inf"]);

const ACCENTS = {
  hat: "^", widehat: "^", bar: "¯", overline: "¯", tilde: "~", widetilde: "~", vec: "→",
  dot: "˙", ddot: "¨", check: "ˇ",
};

const SPACES = {
  ",": "0.1667em", ":": "0.2222em", ">": "0.2222em", ";": "0.2778em", "!": "-0.1667em",
  " ": "0.25em", quad: "1em", qquad: "2em", enspace: "0.5em", thinspace: "0.1667em",
};

const BIG = { big: "1.2em", Big: "1.6em", bigg: "2.1em", Bigg: "2.6em" };

const node = (tag, children = [], attrs = {}) => ({ tag, children, attrs });
const leaf = (tag, text, attrs = {}) => ({ tag, text, attrs });

class Parser {
  constructor(src) {
    this.s = String(src ?? "");
    this.i = 0;
  }

  peek() {
    return this.s[this.i];
  }

  skipSpace() {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i += 1;
  }

  // A command name after a backslash: letters, or one non-letter character.
  readCommand() {
    this.i += 1; // the backslash
    const m = /^[A-Za-z]+/.exec(this.s.slice(this.i));
    if (m) {
      this.i += m[0].length;
      return m[0];
    }
    const ch = this.s[this.i] ?? "";
    this.i += 1;
    return ch;
  }

  // The raw text of a {...} group (for \text and \begin names), braces balanced.
  readRawGroup() {
    this.skipSpace();
    if (this.peek() !== "{") {
      const ch = this.s[this.i] ?? "";
      this.i += 1;
      return ch;
    }
    let depth = 0;
    const start = this.i + 1;
    for (; this.i < this.s.length; this.i += 1) {
      const ch = this.s[this.i];
      if (ch === "\\") {
        this.i += 1;
      } else if (ch === "{") {
        depth += 1;
      } else if (ch === "}") {
        depth -= 1;
        if (depth === 0) {
          this.i += 1;
          return this.s.slice(start, this.i - 1);
        }
      }
    }
    return this.s.slice(start);
  }

  // A list of items until a stop token; returns an mrow (or the single item).
  parseList(stops) {
    const items = [];
    for (;;) {
      this.skipSpace();
      if (this.i >= this.s.length) break;
      const ch = this.peek();
      if (ch === "}" && stops.has("}")) break;
      if (ch === "&" && stops.has("&")) break;
      if (ch === "\\") {
        const save = this.i;
        const cmd = this.readCommand();
        this.i = save;
        if (cmd === "\\" && stops.has("\\\\")) break;
        if ((cmd === "right" || cmd === "end") && stops.has(cmd)) break;
      }
      if (ch === "}") {
        this.i += 1; // stray closing brace: drop it
        continue;
      }
      const atom = this.parseScripts(this.parseAtom());
      if (atom) items.push(atom);
    }
    return items.length === 1 ? items[0] : node("mrow", items);
  }

  // One required argument: a group or a single token.
  parseArg() {
    this.skipSpace();
    if (this.peek() === "{") {
      this.i += 1;
      const inner = this.parseList(new Set(["}"]));
      if (this.peek() === "}") this.i += 1;
      return inner;
    }
    return this.parseAtom() ?? node("mrow");
  }

  parseScripts(base) {
    if (!base) return base;
    let sub = null;
    let sup = null;
    for (;;) {
      this.skipSpace();
      const ch = this.peek();
      if (ch === "^" && !sup) {
        this.i += 1;
        sup = this.parseArg();
      } else if (ch === "_" && !sub) {
        this.i += 1;
        sub = this.parseArg();
      } else if (ch === "'") {
        this.i += 1;
        sup = sup ? node("mrow", [sup, leaf("mo", "′")]) : leaf("mo", "′");
      } else {
        break;
      }
    }
    if (!sub && !sup) return base;
    const limits = base.limits;
    if (sub && sup) return node(limits ? "munderover" : "msubsup", [base, sub, sup]);
    if (sub) return node(limits ? "munder" : "msub", [base, sub]);
    return node(limits ? "mover" : "msup", [base, sup]);
  }

  parseAtom() {
    this.skipSpace();
    const ch = this.peek();
    if (ch === undefined) return null;
    if (ch === "{") {
      this.i += 1;
      const inner = this.parseList(new Set(["}"]));
      if (this.peek() === "}") this.i += 1;
      return inner.tag === "mrow" ? inner : node("mrow", [inner]);
    }
    if (/[0-9.]/.test(ch)) {
      const m = /^[0-9]*\.?[0-9]+|^[0-9]+\.?/.exec(this.s.slice(this.i));
      const text = m ? m[0] : ch;
      this.i += text.length;
      return leaf("mn", text);
    }
    if (/[A-Za-z]/.test(ch)) {
      this.i += 1;
      return leaf("mi", ch);
    }
    if (ch === "\\") return this.parseCommand();
    this.i += 1;
    if (ch === "-") return leaf("mo", "−");
    if (ch === "*") return leaf("mo", "∗");
    if (ch === "~") return leaf("mspace", "", { width: "0.25em" });
    if ("()[]|".includes(ch)) return leaf("mo", ch, { stretchy: "false" });
    if (ch === "^" || ch === "_") return this.parseArg(); // a script with no base
    return leaf("mo", ch);
  }

  parseCommand() {
    const cmd = this.readCommand();
    if (cmd in GREEK) {
      const upper = cmd[0] === cmd[0].toUpperCase();
      return leaf("mi", GREEK[cmd], upper ? { mathvariant: "normal" } : {});
    }
    if (cmd in SPACES) return leaf("mspace", "", { width: SPACES[cmd] });
    if (cmd === "frac" || cmd === "tfrac" || cmd === "dfrac") {
      const num = this.parseArg();
      const den = this.parseArg();
      const frac = node("mfrac", [num, den]);
      if (cmd === "tfrac") return node("mstyle", [frac], { displaystyle: "false" });
      if (cmd === "dfrac") return node("mstyle", [frac], { displaystyle: "true" });
      return frac;
    }
    if (cmd === "sqrt") {
      this.skipSpace();
      if (this.peek() === "[") {
        this.i += 1;
        const start = this.i;
        while (this.i < this.s.length && this.s[this.i] !== "]") this.i += 1;
        const index = new Parser(this.s.slice(start, this.i)).parseList(new Set());
        this.i += 1;
        return node("mroot", [this.parseArg(), index]);
      }
      return node("msqrt", [this.parseArg()]);
    }
    if (cmd in ACCENTS) {
      const base = this.parseArg();
      const wide = cmd.startsWith("wide") || cmd === "overline";
      return node("mover", [base, leaf("mo", ACCENTS[cmd], { stretchy: wide ? "true" : "false" })],
        { accent: "true" });
    }
    if (cmd === "text" || cmd === "textrm" || cmd === "mbox" || cmd === "textit") {
      // Spaces at the ends of \text{if } are meaningful: keep them as no-break spaces.
      return leaf("mtext", this.readRawGroup().replace(/^ +| +$/g, (m) => "\u00a0".repeat(m.length)));
    }
    if (cmd === "mathrm" || cmd === "operatorname" || cmd === "mathit" || cmd === "mathbf"
        || cmd === "boldsymbol" || cmd === "mathsf" || cmd === "mathtt" || cmd === "mathcal") {
      const raw = this.readRawGroup().replace(/\\_/g, "_").replace(/\\,/g, " ");
      const variant = { mathrm: "normal", operatorname: "normal", mathit: "italic",
        mathbf: "bold", boldsymbol: "bold-italic", mathsf: "sans-serif", mathtt: "monospace",
        mathcal: "script" }[cmd];
      if (/^[A-Za-z0-9_ ]*$/.test(raw)) {
        const out = leaf("mi", raw, { mathvariant: variant });
        if (cmd === "operatorname") out.fn = true;
        return out;
      }
      return node("mstyle", [new Parser(raw).parseList(new Set())], { mathvariant: variant });
    }
    if (FUNCTIONS.has(cmd)) {
      const out = leaf("mi", cmd, { mathvariant: "normal" });
      out.fn = true;
      if (LIMIT_OPS.has(cmd)) out.limits = true;
      return out;
    }
    if (cmd === "left" || cmd in BIG || cmd === "right") {
      return this.parseDelimited(cmd);
    }
    if (cmd === "begin") return this.parseEnvironment(this.readRawGroup().trim());
    if (cmd in OPERATORS) {
      const out = leaf("mo", OPERATORS[cmd]);
      if (LIMIT_OPS.has(cmd)) {
        out.limits = true;
        out.attrs = { largeop: "true", movablelimits: "true" };
      }
      if (["lfloor", "rfloor", "lceil", "rceil", "langle", "rangle", "{", "}"].includes(cmd)) {
        out.attrs = { stretchy: "false" };
      }
      return out;
    }
    if (cmd in IDENTIFIERS) return leaf("mi", IDENTIFIERS[cmd], { mathvariant: "normal" });
    if (cmd === "\\") return leaf("mspace", "", { linebreak: "newline" });
    if (cmd === "displaystyle" || cmd === "textstyle" || cmd === "limits" || cmd === "nolimits") {
      return node("mrow");
    }
    // Unknown: show its name rather than failing.
    return leaf("mtext", "\\" + cmd);
  }

  readDelimiter() {
    this.skipSpace();
    const ch = this.peek();
    if (ch === "\\") {
      const cmd = this.readCommand();
      if (cmd === "{" || cmd === "}") return cmd;
      if (cmd === "|") return "‖";
      return OPERATORS[cmd] ?? "";
    }
    this.i += 1;
    return ch === "." ? "" : ch ?? "";
  }

  parseDelimited(cmd) {
    if (cmd in BIG) {
      const d = this.readDelimiter();
      return leaf("mo", d, { stretchy: "true", symmetric: "true", minsize: BIG[cmd],
        maxsize: BIG[cmd] });
    }
    if (cmd === "right") {
      // A \right with no \left: show the delimiter.
      return leaf("mo", this.readDelimiter());
    }
    const open = this.readDelimiter();
    const inner = this.parseList(new Set(["right"]));
    let close = "";
    if (this.peek() === "\\") {
      const save = this.i;
      if (this.readCommand() === "right") close = this.readDelimiter();
      else this.i = save;
    }
    const kids = [];
    if (open) kids.push(leaf("mo", open, { fence: "true", stretchy: "true" }));
    kids.push(inner);
    if (close) kids.push(leaf("mo", close, { fence: "true", stretchy: "true" }));
    return node("mrow", kids);
  }

  parseEnvironment(name) {
    const rows = [];
    let cells = [];
    const stops = new Set(["&", "\\\\", "end"]);
    for (;;) {
      const cell = this.parseList(stops);
      cells.push(node("mtd", [cell]));
      this.skipSpace();
      if (this.i >= this.s.length) break;
      if (this.peek() === "&") {
        this.i += 1;
        continue;
      }
      const cmd = this.readCommand();
      if (cmd === "\\") {
        rows.push(node("mtr", cells));
        cells = [];
        continue;
      }
      if (cmd === "end") {
        this.readRawGroup();
        break;
      }
    }
    if (cells.length && !(cells.length === 1 && isEmpty(cells[0]))) rows.push(node("mtr", cells));
    const table = node("mtable", rows, { columnalign: "left left", columnspacing: "1em" });
    const fences = { cases: ["{", ""], pmatrix: ["(", ")"], bmatrix: ["[", "]"],
      vmatrix: ["|", "|"] }[name];
    if (!fences) return table;
    const kids = [];
    if (fences[0]) kids.push(leaf("mo", fences[0], { fence: "true", stretchy: "true" }));
    kids.push(table);
    if (fences[1]) kids.push(leaf("mo", fences[1], { fence: "true", stretchy: "true" }));
    return node("mrow", kids);
  }
}

function isEmpty(n) {
  if (!n) return true;
  if (n.text !== undefined) return n.text === "" && n.tag !== "mspace";
  return n.children.every(isEmpty);
}

/** Parse LaTeX into a plain tree: {tag, attrs, children | text}. */
export function parseLatex(src) {
  const p = new Parser(src);
  const body = p.parseList(new Set());
  return addFunctionSpacing(body);
}

// After a function name (sin, max, operatorname) put a thin space when an argument follows.
function addFunctionSpacing(n) {
  if (!n || !n.children) return n;
  n.children = n.children.map(addFunctionSpacing);
  if (n.tag === "mrow") {
    const out = [];
    n.children.forEach((c, k) => {
      out.push(c);
      const next = n.children[k + 1];
      const fn = c.fn || (c.children && c.children[0] && c.children[0].fn);
      if (fn && next && !(next.tag === "mo" && next.attrs.fence)) {
        out.push(leaf("mspace", "", { width: "0.1667em" }));
      }
    });
    n.children = out;
  }
  return n;
}

function build(doc, n) {
  const el = doc.createElementNS(MATHML_NS, n.tag);
  for (const [k, v] of Object.entries(n.attrs || {})) el.setAttribute(k, v);
  if (n.text !== undefined) {
    el.textContent = n.text;
  } else {
    for (const c of n.children) el.appendChild(build(doc, c));
  }
  return el;
}

/** A <math> element for `latex` (display: block layout). Safe for any input string. */
export function renderMath(latex, { display = false, doc = document } = {}) {
  const math = doc.createElementNS(MATHML_NS, "math");
  if (display) math.setAttribute("display", "block");
  const tree = parseLatex(latex);
  math.appendChild(build(doc, tree.tag === "mrow" ? tree : node("mrow", [tree])));
  math.setAttribute("aria-label", String(latex ?? ""));
  return math;
}

/** Format a number compactly for equations: 4 significant digits, LaTeX powers of ten. */
export function latexNumber(v, digits = 4) {
  if (v === null || v === undefined || Number.isNaN(v)) return "\\text{–}";
  if (!Number.isFinite(v)) return v > 0 ? "\\infty" : "-\\infty";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) {
    let s = v.toPrecision(digits);
    if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
    return s;
  }
  const [m, e] = v.toExponential(digits - 1).split("e");
  const mant = m.includes(".") ? m.replace(/0+$/, "").replace(/\.$/, "") : m;
  return `${mant}\\cdot 10^{${Number(e)}}`;
}

const SUB = { 0: "₀", 1: "₁", 2: "₂", 3: "₃", 4: "₄", 5: "₅", 6: "₆", 7: "₇", 8: "₈", 9: "₉",
  "+": "₊", "−": "₋", "=": "₌", "(": "₍", ")": "₎", a: "ₐ", e: "ₑ", o: "ₒ", x: "ₓ", h: "ₕ",
  k: "ₖ", l: "ₗ", m: "ₘ", n: "ₙ", p: "ₚ", s: "ₛ", t: "ₜ", i: "ᵢ", j: "ⱼ", r: "ᵣ", u: "ᵤ", v: "ᵥ" };
const SUP = { 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹",
  "+": "⁺", "−": "⁻", "=": "⁼", "(": "⁽", ")": "⁾", i: "ⁱ", n: "ⁿ", t: "ᵗ", m: "ᵐ", a: "ᵃ",
  x: "ˣ", k: "ᵏ", e: "ᵉ", d: "ᵈ", f: "ᶠ" };
const COMBINING = { "^": "\u0302", "¯": "\u0304", "~": "\u0303", "→": "\u20D7", "˙": "\u0307",
  "¨": "\u0308", ˇ: "\u030C" };

function plain(n) {
  if (n.text !== undefined) return n.tag === "mspace" ? " " : n.text;
  const kids = n.children.map(plain);
  switch (n.tag) {
    case "msub": return kids[0] + script(kids[1], SUB, "_");
    case "msup": return kids[0] + script(kids[1], SUP, "^");
    case "msubsup": return kids[0] + script(kids[1], SUB, "_") + script(kids[2], SUP, "^");
    case "munder": return kids[0] + script(kids[1], SUB, "_");
    case "mover":
      if (n.attrs.accent) return kids[0] + (COMBINING[kids[1]] ?? "");
      return kids[0] + script(kids[1], SUP, "^");
    case "munderover": return kids[0] + script(kids[1], SUB, "_") + script(kids[2], SUP, "^");
    case "mfrac": return `${kids[0]}/${kids[1]}`;
    case "msqrt": return `√(${kids[0]})`;
    default: return kids.join("");
  }
}

function script(text, table, mark) {
  const chars = [...text];
  if (chars.length && chars.every((c) => c in table)) return chars.map((c) => table[c]).join("");
  return chars.length === 1 ? mark + text : `${mark}{${text}}`;
}

/** Plain Unicode text for a short LaTeX symbol (for plot axis titles, which take no MathML). */
export function latexToText(src) {
  return plain(parseLatex(src)).replace(/\s+/g, " ").trim();
}
