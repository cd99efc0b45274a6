/* The search page (loaded after Sphinx's searchtools.js by _site/templates/layout.html).
 *
 * 1. Ranking: a topic word ("momentum", "saddle") should first find the chapters that teach
 *    it, not the API reference's many entries whose names contain it. Results on API pages
 *    (book/api*) and the bibliography are ranked after the chapters and exercises, unless the
 *    query looks like a name in code (it has "_" or "."): then the API entry may lead.
 * 2. Snippets: Sphinx shows the page's text around the word, and the page's text holds its
 *    formulas as TeX (MathJax typesets them in the page). The snippet text gets them as
 *    plain text instead ("\(\eta^2 \nabla f\)" -> "η² ∇f"), and leaves out the quizzes' answer
 *    key and reasons.
 */
(function () {
  "use strict";

  var SYMBOL = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", zeta: "ζ", eta: "η",
    theta: "θ", vartheta: "ϑ", iota: "ι", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν", xi: "ξ", pi: "π",
    rho: "ρ", sigma: "σ", tau: "τ", upsilon: "υ", phi: "ϕ", varphi: "φ", chi: "χ", psi: "ψ", omega: "ω",
    Gamma: "Γ", Delta: "Δ", Theta: "Θ", Lambda: "Λ", Xi: "Ξ", Pi: "Π", Sigma: "Σ", Phi: "Φ", Psi: "Ψ",
    Omega: "Ω", nabla: "∇", partial: "∂", infty: "∞", cdot: "·", cdots: "⋯", ldots: "…", dots: "…",
    times: "×", div: "÷", pm: "±", mp: "∓", le: "≤", leq: "≤", ge: "≥", geq: "≥", ne: "≠", neq: "≠",
    approx: "≈", sim: "∼", simeq: "≃", equiv: "≡", propto: "∝", ll: "≪", gg: "≫", in: "∈", notin: "∉",
    subset: "⊂", subseteq: "⊆", cup: "∪", cap: "∩", setminus: "∖", emptyset: "∅", to: "→",
    rightarrow: "→", leftarrow: "←", Rightarrow: "⇒", Leftarrow: "⇐", Leftrightarrow: "⇔", iff: "⇔",
    implies: "⇒", mapsto: "↦", sum: "∑", prod: "∏", int: "∫", forall: "∀", exists: "∃", neg: "¬",
    land: "∧", lor: "∨", wedge: "∧", vee: "∨", top: "ᵀ", intercal: "ᵀ", odot: "⊙", otimes: "⊗",
    oplus: "⊕", circ: "∘", ell: "ℓ", star: "⋆", ast: "∗", langle: "⟨", rangle: "⟩", lVert: "‖",
    rVert: "‖", Vert: "‖", "|": "‖", lvert: "|", rvert: "|", vert: "|", mid: "|", lfloor: "⌊",
    rfloor: "⌋", lceil: "⌈", rceil: "⌉", prime: "′", angle: "∠", perp: "⊥", parallel: "∥",
    quad: " ", qquad: " ", ",": " ", ";": " ", ":": " ", ">": " ", "!": "", " ": " ", "{": "{",
    "}": "}", "%": "%", "_": "_", "#": "#", "&": "&", "$": "$", "\\": "; "
  };
  var WORD = ["max", "min", "log", "exp", "ln", "sin", "cos", "tan", "arg", "argmin", "argmax", "det",
    "tr", "sup", "inf", "lim", "sign", "diag", "rank", "dim", "ker", "Pr", "E", "Var"];
  var SUP = {"0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸",
    "9": "⁹", "+": "⁺", "-": "⁻", "−": "⁻", "=": "⁼", "(": "⁽", ")": "⁾", n: "ⁿ", i: "ⁱ", k: "ᵏ",
    t: "ᵗ", T: "ᵀ", d: "ᵈ", m: "ᵐ", "ᵀ": "ᵀ", "*": "*", "′": "′", "∗": "*", " ": ""};
  var SUB = {"0": "₀", "1": "₁", "2": "₂", "3": "₃", "4": "₄", "5": "₅", "6": "₆", "7": "₇", "8": "₈",
    "9": "₉", "+": "₊", "-": "₋", "−": "₋", "=": "₌", "(": "₍", ")": "₎", a: "ₐ", e: "ₑ", o: "ₒ",
    x: "ₓ", h: "ₕ", k: "ₖ", l: "ₗ", m: "ₘ", n: "ₙ", p: "ₚ", s: "ₛ", t: "ₜ", i: "ᵢ", j: "ⱼ", r: "ᵣ",
    u: "ᵤ", v: "ᵥ", " ": ""};
  var ACCENT = {hat: "\u0302", widehat: "\u0302", tilde: "\u0303", widetilde: "\u0303", bar: "\u0304",
    overline: "\u0305", vec: "\u20d7", dot: "\u0307", ddot: "\u0308"};
  var BLACKBOARD = {R: "ℝ", N: "ℕ", Z: "ℤ", Q: "ℚ", C: "ℂ", E: "𝔼", P: "ℙ"};

  /* TeX source -> readable plain text (a reader's approximation, not a typesetter). */
  function texToText(tex) {
    var i = 0;

    function group() {           // the argument of a command: {...}, \cmd or one character
      while (tex[i] === " ") { i++; }
      if (tex[i] === "{") {
        var depth = 0, start = ++i;
        for (; i < tex.length; i++) {
          if (tex[i] === "\\") { i++; continue; }
          if (tex[i] === "{") { depth++; } else if (tex[i] === "}") { if (!depth) { break; } depth--; }
        }
        var inner = tex.slice(start, i);
        i++;
        return texToText(inner);
      }
      if (tex[i] === "\\") { return command(); }
      return tex[i++] || "";
    }

    function script(table, mark) {
      var arg = group(), out = "";
      for (var k = 0; k < arg.length; k++) {
        if (!(arg[k] in table)) { return arg.length === 1 ? mark + arg : mark + "(" + arg + ")"; }
        out += table[arg[k]];
      }
      return out;
    }

    function command() {
      i++;  // the backslash
      var m = /^[A-Za-z]+/.exec(tex.slice(i)), name;
      if (m) { name = m[0]; i += name.length; } else { name = tex[i++] || ""; }
      if (name === "frac" || name === "dfrac" || name === "tfrac") {
        var a = group(), b = group();
        var wrap = function (s) { return s.length > 1 && !/^[\w.]+$/.test(s) ? "(" + s + ")" : s; };
        return wrap(a) + "/" + wrap(b);
      }
      if (name === "sqrt") {
        var n = "";
        if (tex[i] === "[") { var end = tex.indexOf("]", i); n = texToText(tex.slice(i + 1, end)); i = end + 1; }
        var r = group();
        var index = n.split("").every(function (ch) { return ch in SUP; })
          ? n.split("").map(function (ch) { return SUP[ch]; }).join("") : n;
        return index + "√" + (r.length > 1 ? "(" + r + ")" : r);
      }
      if (name in ACCENT) { var x = group(); return x + ACCENT[name]; }
      if (name === "mathbb") { var y = group(); return BLACKBOARD[y] || y; }
      if (/^(math[a-z]*|text[a-z]*|boldsymbol|bm|operatorname\*?|mbox|hbox|emph|displaystyle|textstyle|underline)$/.test(name)) {
        return /style$/.test(name) ? "" : group();
      }
      if (name === "left" || name === "right" || name === "bigl" || name === "bigr" || name === "Bigl" ||
          name === "Bigr" || name === "big" || name === "Big" || name === "bigg" || name === "Bigg") {
        while (tex[i] === " ") { i++; }
        if (tex[i] === ".") { i++; return ""; }
        return tex[i] === "\\" ? command() : tex[i++] || "";
      }
      if (name === "begin" || name === "end") { group(); if (tex[i] === "{") { group(); } return " "; }
      if (name === "label" || name === "tag" || name === "nonumber" || name === "notag") {
        if (name === "label" || name === "tag") { group(); }
        return "";
      }
      if (name in SYMBOL) { return SYMBOL[name]; }
      if (WORD.indexOf(name) >= 0) { return name; }
      return name;   // an unknown command: its name, without the backslash
    }

    var out = "";
    while (i < tex.length) {
      var c = tex[i];
      if (c === "\\") { out += command(); }
      else if (c === "{" || c === "}") { i++; }
      else if (c === "^") { i++; out += script(SUP, "^"); }
      else if (c === "_") { i++; out += script(SUB, "_"); }
      else if (c === "&") { i++; out += " "; }
      else if (c === "~") { i++; out += " "; }
      else { out += c; i++; }
    }
    return out.replace(/\s+/g, " ").trim();
  }

  var MATH = /\\\(([\s\S]+?)\\\)|\\\[([\s\S]+?)\\\]|\$\$([\s\S]+?)\$\$/g;

  function plainMath(text) {
    return text.replace(MATH, function (all, a, b, c) { return texToText(a || b || c); });
  }

  if (typeof Search !== "undefined") {
    Search.htmlToText = function (htmlString, anchor) {
      var doc = new DOMParser().parseFromString(htmlString, "text/html");
      // the page's own text only: not its button bar (".pdf") or the print-only table of contents
      [".headerlink", "script", "style", ".lc-why", ".lc-key", ".lc-mark", "mjx-assistive-mml",
        ".bd-header-article", ".onlyprint", ".lc-lite"].forEach(function (q) {
        doc.querySelectorAll(q).forEach(function (el) { el.remove(); });
      });
      var block = (anchor && doc.querySelector('[role="main"] ' + anchor)) || doc.querySelector('[role="main"]');
      return block ? plainMath(block.textContent) : "";
    };
  }

  var query = new URLSearchParams(window.location.search).get("q") || "";
  var codeQuery = /[_.]/.test(query);
  if (typeof Scorer !== "undefined") {
    Scorer.score = function (result) {
      var docname = result[0], score = result[4];
      if (codeQuery) { return score; }
      if (/^book\/api(\/|$)/.test(docname)) { return score - 50; }
      if (/^book\/bibliography$/.test(docname)) { return score - 40; }
      return score;
    };
  }

  window.lcTexToText = texToText;   // for the tests
})();
