/* The site's plotly figures: their width, their phone layout, dark mode and print.
 * Loaded (not deferred, right after plotly.js) on pages with figures by book/_ext/site_assets.py.
 *
 * Width and phones. A figure drawn before the page's layout settled is resized to its
 * column. A figure narrower than NARROW pixels is rearranged: subplots side by side are
 * stacked, each at the full width; the legend moves below the figure; titles, subplot titles
 * and axis titles get a smaller font and long status lines are wrapped. In a wider figure a
 * legend that wrapped into more rows than the top margin holds gets the missing room.
 * A slider switches frames whose layout brings back the wide arrangement (axis domains,
 * annotation positions and fonts), so the narrow one is applied again after each switch.
 *
 * Dark mode. Figures are drawn at build time in the book's light colours. When the page is
 * dark (the reader's system setting, or the theme's switch) every colour of a figure, its
 * slider frames included, is translated before it is drawn (Plotly.newPlot and addFrames are
 * wrapped) and again whenever the theme changes: backgrounds take the page's background,
 * grid lines a faint line, text the page's text colour, and a trace colour too dark to read
 * on the dark background (contrast under 3:1) is lightened, its hue kept. See themeColor().
 *
 * Print. The figures scale to the printed column (their SVG layers get a viewBox, their 3-D
 * scenes relative positions, site.css does the rest), slider and play controls are left out,
 * a line under each slider figure names the values it shows, and a figure whose slider was
 * moved shows its default frame while the page prints.
 */
(function () {
  "use strict";
  var NARROW = 600;
  var GAP = 70;  // pixels between stacked subplots: tick labels, axis title, subplot title

  function near(a, b) { return Math.abs(a - b) < 0.02; }

  /* The subplots of the figure (2-D axes pairs and 3-D scenes), top row first. */
  function subplots(gd) {
    var L = gd._fullLayout, out = [];
    ((L._subplots && L._subplots.cartesian) || []).forEach(function (id) {
      var m = id.match(/^x(\d*)y(\d*)$/);
      if (!m) { return; }
      var xa = L["xaxis" + m[1]], ya = L["yaxis" + m[2]];
      if (!xa || !ya || xa.overlaying || ya.overlaying) { return; }
      out.push({kind: "xy", x: "xaxis" + m[1], y: "yaxis" + m[2], dx: xa.domain.slice(), dy: ya.domain.slice()});
    });
    ((L._subplots && L._subplots.gl3d) || []).forEach(function (id) {
      var s = L[id];
      out.push({kind: "scene", id: id, dx: s.domain.x.slice(), dy: s.domain.y.slice()});
    });
    out.sort(function (a, b) { return (b.dy[1] - a.dy[1]) || (a.dx[0] - b.dx[0]); });
    return out;
  }

  function narrowLayout(gd) {
    var L = gd._fullLayout, update = {}, plots = subplots(gd);
    var margin = L.margin, oldPlot = L.height - margin.t - margin.b;
    var columns = plots.filter(function (p) { return near(p.dy[1], plots[0].dy[1]); }).length;
    var height = L.height, plotHeight = oldPlot;
    if (columns > 1) {
      var each = Math.max(200, Math.min(300, oldPlot * (plots[0].dy[1] - plots[0].dy[0])));
      plotHeight = plots.length * each + (plots.length - 1) * GAP;
      height = margin.t + margin.b + plotHeight;
      plots.forEach(function (p, i) {
        var top = 1 - i * (each + GAP) / plotHeight, bottom = top - each / plotHeight;
        var centre = (p.dx[0] + p.dx[1]) / 2, oldTop = p.dy[1];
        if (p.kind === "xy") {
          update[p.x + ".domain"] = [0, 1];
          update[p.y + ".domain"] = [bottom, top];
        } else {
          update[p.id + ".domain"] = {x: [0, 1], y: [bottom, top]};
        }
        // the subplot's title (an annotation centred above it) moves with it
        (gd.layout.annotations || []).forEach(function (a, k) {
          if ((a.xref || "paper") === "paper" && (a.yref || "paper") === "paper" &&
              near(a.x, centre) && near(a.y, oldTop) && a.xanchor !== "left") {
            update["annotations[" + k + "].x"] = 0.5;
            update["annotations[" + k + "].y"] = top;
          }
        });
      });
      // sliders below the plot are placed in units of the plot's height
      (gd.layout.sliders || []).forEach(function (s, k) {
        if (typeof s.y === "number" && s.y < 0) { update["sliders[" + k + "].y"] = s.y * oldPlot / plotHeight; }
      });
    }
    if (L.title && L.title.text) { update["title.font.size"] = 13; }
    (gd.layout.annotations || []).forEach(function (a, k) {
      if (a.text) { update["annotations[" + k + "].font.size"] = 11; }
    });
    Object.keys(L).forEach(function (key) {
      if (/^[xy]axis\d*$/.test(key) && L[key].title && L[key].title.text) { update[key + ".title.font.size"] = 11; }
    });
    return {update: update, height: height};
  }

  /* Long annotation texts broken into lines of at most `width` characters (tags kept). */
  function wrapped(text, width) {
    return text.split("<br>").map(function (line) {
      var plain = line.replace(/<[^>]*>/g, "");
      if (plain.length <= width || /<[^>]*>/.test(line)) { return line; }
      var out = [], current = "";
      line.split(" ").forEach(function (word) {
        if (current && (current + " " + word).length > width) { out.push(current); current = word; }
        else { current = current ? current + " " + word : word; }
      });
      out.push(current);
      return out.join("<br>");
    }).join("<br>");
  }

  /* The relayout that wraps the figure's long annotation texts for its width ({} if none is long). */
  function wrapUpdate(gd) {
    var update = {}, width = Math.max(30, Math.floor(gd.clientWidth / 6.5));
    (gd.layout.annotations || []).forEach(function (a, k) {
      var text = a.text || "", w = wrapped(text, width);
      if (w !== text) { update["annotations[" + k + "].text"] = w; }
    });
    return update;
  }

  /* The legend as one horizontal block at the bottom of the figure. */
  var LEGEND_BELOW = {
    "legend.orientation": "h", "legend.xref": "container", "legend.yref": "container",
    "legend.x": 0, "legend.xanchor": "left", "legend.y": 0, "legend.yanchor": "bottom",
    "legend.font.size": 11
  };

  /* The narrow arrangement in two relayouts, or one for a figure without a legend (each
   * relayout draws the figure again): subplots stacked, smaller fonts, long texts wrapped, the
   * legend below, then the figure made taller by the stacked subplots and the legend's height
   * (known once the legend is drawn below). */
  function adapt(gd) {
    if (gd._lcNarrow || !gd.layout || !gd._fullLayout || gd.clientWidth >= NARROW) { return Promise.resolve(); }
    var plan = narrowLayout(gd), marginB = gd._fullLayout.margin.b, legend = gd._fullLayout.showlegend;
    gd._lcNarrow = plan.update;
    var update = Object.assign({}, plan.update, wrapUpdate(gd), legend ? LEGEND_BELOW : {});
    function grow(extra) {
      var height = plan.height + extra;
      // the figure's box (and plotly's wrapper around it) were given the wide height: grow them
      gd.style.height = height + "px";
      if (gd.parentElement && gd.parentElement.style.height) { gd.parentElement.style.height = height + "px"; }
      return {"margin.b": marginB + extra, "height": height};
    }
    var done = legend
      ? Plotly.relayout(gd, update).then(function () {
          var box = gd.querySelector("g.legend");
          return Plotly.relayout(gd, grow(box ? Math.ceil(box.getBBox().height) + 12 : 0));
        })
      : Plotly.relayout(gd, Object.assign(update, grow(0)));
    if (gd.on) {  // a slider's frame brings back the wide layout and texts: narrow them again
      gd.on("plotly_animated", function () { Plotly.relayout(gd, Object.assign({}, gd._lcNarrow, wrapUpdate(gd))); });
    }
    return done;
  }

  function box(e) { var b = e.getBoundingClientRect(); return b.width > 2 && b.height > 2 ? b : null; }

  function overlap(a, b) {
    return a && b && Math.min(a.right, b.right) - Math.max(a.left, b.left) > 3 &&
      Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 3;
  }

  /* A legend above the plot that wrapped into more rows than the top margin holds runs
   * into the figure's title (or subplot titles): give the top margin the missing height. */
  function clearLegend(gd) {
    var legend = gd.querySelector("g.legend"), L = gd._fullLayout;
    if (!legend || !L.showlegend) { return Promise.resolve(); }
    var lb = box(legend), labels = [];
    gd.querySelectorAll(".g-gtitle text, g.annotation").forEach(function (e) {
      var b = box(e);
      if (b && (e.textContent || "").trim() && b.top < lb.bottom) { labels.push(b); }
    });
    var hit = labels.filter(function (b) { return overlap(lb, b); });
    if (!hit.length || lb.top > box(gd).top + L.margin.t) { return Promise.resolve(); }
    var shift = Math.ceil(Math.max.apply(null, hit.map(function (b) { return b.bottom - lb.top; }))) + 6;
    var height = L.height + shift;
    gd.style.height = height + "px";
    if (gd.parentElement && gd.parentElement.style.height) { gd.parentElement.style.height = height + "px"; }
    return Plotly.relayout(gd, {"margin.t": L.margin.t + shift, "height": height});
  }

  function fit(gd) {
    var L = gd._fullLayout;
    if (L && !gd.layout.width && Math.abs(L.width - gd.clientWidth) > 2) {
      return Plotly.Plots.resize(gd);
    }
    return Promise.resolve();
  }

  /* Once every figure is fitted (and on a phone rearranged), <html data-lc-figures="settled">:
   * what the browser tests wait for instead of a fixed time. */
  function all() {
    var done = [];
    document.querySelectorAll("div.plotly-graph-div").forEach(function (gd) {
      done.push(fit(gd).then(function () {
        return gd.clientWidth < NARROW ? adapt(gd) : clearLegend(gd);
      }));
    });
    Promise.allSettled(done).then(function () { document.documentElement.dataset.lcFigures = "settled"; });
  }

  if (document.readyState === "complete") { all(); } else { window.addEventListener("load", all); }
})();

/* ---- dark mode -------------------------------------------------------------------------- */
(function () {
  "use strict";
  if (!window.Plotly) { return; }

  var probe = document.createElement("canvas").getContext("2d");
  var parsed = {};

  /* Any CSS colour -> [r, g, b, a] (null if it is not one). */
  function rgba(c) {
    if (typeof c !== "string") { return null; }
    if (c in parsed) { return parsed[c]; }
    var out = null;
    probe.fillStyle = "#010203";
    probe.fillStyle = c;
    var v = probe.fillStyle;
    if (v !== "#010203" || /^#0*10203$|^rgba?\(\s*1\s*,\s*2\s*,\s*3\b/i.test(c.trim())) {
      var m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(v);
      if (m) { out = [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16), 1]; }
      m = /^rgba\(\s*(\d+),\s*(\d+),\s*(\d+),\s*([\d.]+)\s*\)$/.exec(v);
      if (m) { out = [+m[1], +m[2], +m[3], +m[4]]; }
    }
    parsed[c] = out;
    return out;
  }

  function hex(c) {  // [r, g, b, a] -> "#rrggbbaa" (a form the Python side never writes)
    return "#" + c.map(function (v, k) {
      var n = Math.max(0, Math.min(255, Math.round(k === 3 ? v * 255 : v)));
      return (n < 16 ? "0" : "") + n.toString(16);
    }).join("");
  }

  function luminance(c) {
    var l = c.slice(0, 3).map(function (v) {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
  }

  function over(c, bg) {  // c composited over the opaque bg
    return [0, 1, 2].map(function (k) { return c[k] * c[3] + bg[k] * (1 - c[3]); }).concat([1]);
  }

  function contrast(a, b) {
    var x = luminance(a), y = luminance(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  }

  function mix(a, b, t) { return [0, 1, 2].map(function (k) { return a[k] + (b[k] - a[k]) * t; }); }

  /* The lightness of c mirrored (HSL: L -> 1 - L), hue and saturation kept. */
  function mirrored(c) {
    var r = c[0] / 255, g = c[1] / 255, b = c[2] / 255;
    var max = Math.max(r, g, b), min = Math.min(r, g, b), l = (max + min) / 2, d = max - min;
    var h = 0, s = 0;
    if (d) {
      s = l > 0.5 ? d / (2 - max - min) : d / (max + min);
      h = max === r ? (g - b) / d + (g < b ? 6 : 0) : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
      h /= 6;
    }
    l = 1 - l;
    function f(t) {
      var q = l < 0.5 ? l * (1 + s) : l + s - l * s, p = 2 * l - q;
      t = t < 0 ? t + 1 : t > 1 ? t - 1 : t;
      return t < 1 / 6 ? p + (q - p) * 6 * t : t < 1 / 2 ? q : t < 2 / 3 ? p + (q - p) * (2 / 3 - t) * 6 : p;
    }
    return [f(h + 1 / 3) * 255, f(h) * 255, f(h - 1 / 3) * 255, c[3]];
  }

  var page = null;
  /* The dark theme's own colours (the themes' variables), read while the page is dark;
   * before the theme's script has resolved "auto", its values for dark pages. */
  function pageColors() {
    var dark = document.documentElement.dataset.theme === "dark";
    var css = dark ? getComputedStyle(document.documentElement) : null;
    function read(name, fallback) { return (css && rgba(css.getPropertyValue(name).trim())) || rgba(fallback); }
    page = {bg: read("--pst-color-background", "#121212"), text: read("--pst-color-text-base", "#ced6dd")};
    return page;
  }

  var BACKGROUND = /^(paper_bgcolor|plot_bgcolor|bgcolor|backgroundcolor)$/;
  var LINE = /^(gridcolor|zerolinecolor|linecolor|tickcolor|bordercolor|outlinecolor|spikecolor)$/;

  /* The dark-mode colour of a light-mode colour c found under key (path: its parents' keys). */
  function themeColor(c, key, path) {
    var v = rgba(c), bg = page.bg;
    if (!v) { return c; }
    var text = /font$/.test(path[path.length - 1] || "");
    if (BACKGROUND.test(key)) {       // white paper -> the page's background
      return luminance(v) > 0.5 ? hex(bg.slice(0, 3).concat([v[3]])) : c;
    }
    if (LINE.test(key) && !text) {    // pale grid lines -> faint lines on the dark background
      return luminance(v) > 0.5 ? hex(mix(bg, page.text, 0.12 + 0.5 * (1 - luminance(v))).concat([v[3]])) : c;
    }
    var outline = path[path.length - 1] === "line" && path[path.length - 2] === "marker";
    if (outline && luminance(v) > 0.85) {   // white rims around markers -> the background
      return hex(bg.slice(0, 3).concat([v[3]]));
    }
    if (!text && key === "fillcolor" && v[3] < 0.6) { return c; }   // translucent bands read as they are
    var need = text ? 4.5 : 3;
    if (contrast(over(v, bg), bg) >= need) { return c; }
    var out = mirrored(v);
    for (var k = 0; k < 10 && contrast(over(out, bg), bg) < need; k++) {
      out = mix(out, [255, 255, 255], 0.25).concat([out[3]]);
    }
    return hex(out);
  }

  var toLight = {};   // dark colour written -> the light colour it replaced
  var added = {};     // colours set in dark mode where the figure had plotly's default

  /* The same colour one step off in its last channel: two light colours never share a dark
   * one, so switching back to light restores each exactly. */
  function nudge(d) {
    var v = parseInt(d.slice(5, 7), 16);
    return d.slice(0, 5) + hex([0, 0, v < 255 ? v + 1 : v - 2]).slice(5, 7) + d.slice(7);
  }

  function dark1(value, key, path) {
    var d = themeColor(value, key, path);
    if (d === value) { return d; }
    while ((d in toLight && toLight[d] !== value) || added[d]) { d = nudge(d); }
    toLight[d] = value;
    return d;
  }

  function walk(value, key, path, dark) {
    if (value === null || typeof value !== "object") {
      if (typeof value !== "string" || !/color$/i.test(key || "")) { return value; }
      if (!dark) { return value in toLight ? toLight[value] : added[value] ? undefined : value; }
      return dark1(value, key, path);
    }
    if (ArrayBuffer.isView(value) || value.bdata !== undefined) { return value; }
    if (Array.isArray(value)) {
      if (/color$/i.test(key || "") || key === "colorway") {
        return value.map(function (v) { return walk(v, key === "colorway" ? "color" : key, path, dark); });
      }
      return value.map(function (v) { return walk(v, key, path, dark); });
    }
    var out = {}, inner = path.concat([key || ""]);
    Object.keys(value).forEach(function (k) {
      var v = walk(value[k], k, inner, dark);
      // back to light, an object that held only colours added for dark mode goes too
      var emptied = !dark && v && typeof v === "object" && !Array.isArray(v) && !ArrayBuffer.isView(v) &&
        !Object.keys(v).length && Object.keys(value[k]).length;
      if (v !== undefined && !emptied) { out[k] = v; }
    });
    // contour lines coloured by a colour scale: its darkest lines would vanish on a dark
    // background, so the scale's colours are lightened like any line's (fills keep theirs)
    if (Array.isArray(value.colorscale) && value.contours && value.contours.coloring === "lines") {
      out.colorscale = value.colorscale.map(function (stop) {
        return [stop[0], dark ? dark1(stop[1], "color", inner) : toLight[stop[1]] || stop[1]];
      });
    }
    return out;
  }

  function set(obj, values) {   // plotly-default colours made explicit for dark mode
    Object.keys(values).forEach(function (k) {
      if (typeof values[k] === "object") { obj[k] = set(Object.assign({}, obj[k]), values[k]); }
      else if (obj[k] === undefined) {
        var d = values[k];
        while (d in toLight) { d = nudge(d); }
        obj[k] = d;
        added[d] = true;
      }
    });
    return obj;
  }

  function themed(layout, dark) {
    var out = walk(layout || {}, "", [], dark);
    if (!dark) { return out; }
    var c = function (t, a) { return hex(mix(page.bg, page.text, t).concat([a === undefined ? 1 : a])); };
    set(out, {modebar: {bgcolor: c(0, 0), color: c(0.7), activecolor: c(1)}});
    out.sliders = (out.sliders || []).map(function (sl) {
      return set(Object.assign({}, sl), {bgcolor: c(0.22), bordercolor: c(0.45), activebgcolor: c(0.6),
        tickcolor: c(0.7), font: {color: c(1)}, currentvalue: {font: {color: c(1)}}});
    });
    out.updatemenus = (out.updatemenus || []).map(function (m) {
      return set(Object.assign({}, m), {bgcolor: c(0.15), bordercolor: c(0.45), font: {color: c(1)}});
    });
    if (!out.sliders.length) { delete out.sliders; }
    if (!out.updatemenus.length) { delete out.updatemenus; }
    return out;
  }

  /* The theme the page shows or is about to show: the theme's script (deferred) resolves
   * "auto" from the system setting after the figures are drawn, so resolve it here too. */
  function isDark() {
    var root = document.documentElement.dataset, mode = root.mode || "auto";
    if (mode === "auto" && window.matchMedia) { return window.matchMedia("(prefers-color-scheme: dark)").matches; }
    return mode === "dark" || (mode !== "light" && root.theme === "dark");
  }

  var newPlot = Plotly.newPlot, addFrames = Plotly.addFrames;
  function draw(gd, data, layout, config) {
    var dark = isDark();
    if (dark) { pageColors(); data = walk(data, "", [], true); layout = themed(layout, true); }
    var el = typeof gd === "string" ? document.getElementById(gd) : gd;
    if (el) { el._lcTheme = dark ? "dark" : "light"; }
    return newPlot.call(Plotly, gd, data, layout, config);
  }
  /* A figure met while the page is still being read is drawn once the whole page is there: the
   * page's table of contents, after the figures in the page, narrows their column when it
   * arrives, and a figure drawn before would be drawn a second time at the narrower width. */
  Plotly.newPlot = function (gd, data, layout, config) {
    if (document.readyState !== "loading") { return draw(gd, data, layout, config); }
    return new Promise(function (resolve, reject) {
      document.addEventListener("DOMContentLoaded", function () {
        try { draw(gd, data, layout, config).then(resolve, reject); } catch (e) { reject(e); }
      });
    });
  };
  Plotly.addFrames = function (gd, frames, indices) {
    var el = typeof gd === "string" ? document.getElementById(gd) : gd;
    if (el && el._lcTheme === "dark" && Array.isArray(frames)) {
      frames = frames.map(function (f) { return walk(f, "", [], true); });
    }
    return addFrames.call(Plotly, gd, frames, indices);
  };

  /* A figure already drawn, into the page's current theme (its frames too). */
  function retheme(gd) {
    var dark = document.documentElement.dataset.theme === "dark", want = dark ? "dark" : "light";
    if (!gd._fullLayout || gd._lcTheme === want) { return Promise.resolve(); }
    if (dark) { pageColors(); }
    gd._lcTheme = want;
    var frames = (gd._transitionData && gd._transitionData._frames) || [];
    frames.forEach(function (f) {
      if (f.data) { f.data = walk(f.data, "", [], dark); }
      if (f.layout) { f.layout = walk(f.layout, "", [], dark); }
    });
    return Plotly.react(gd, walk(gd.data, "", [], dark), themed(gd.layout, dark));
  }

  function all() { document.querySelectorAll("div.plotly-graph-div").forEach(retheme); }
  new MutationObserver(all).observe(document.documentElement, {attributes: true, attributeFilter: ["data-theme"]});
  window.lcFigureTheme = {color: themeColor, retheme: retheme, pageColors: pageColors};   // for the tests
})();

/* ---- print ------------------------------------------------------------------------------ */
(function () {
  "use strict";
  if (!window.Plotly) { return; }

  /* The figure's layers scale with its width: each SVG layer gets a viewBox of the size it
   * was drawn at, each 3-D scene its place in relative units; site.css (@media print) sets
   * the widths. Redone after every redraw. */
  var DRAWN = ".cartesianlayer, .bglayer, .legend, .g-gtitle, .annotation, .colorbar, .polarlayer, .barlayer, " +
    "[class*='xtitle'], [class*='ytitle'], .gl-container > div";

  /* Height of the figure without the empty strip that its hidden controls leave at the bottom. */
  function printedHeight(gd, h) {
    var L = gd._fullLayout;
    if (!(L.sliders && L.sliders.length) && !(L.updatemenus && L.updatemenus.length)) { return h; }
    var top = gd.querySelector(".svg-container").getBoundingClientRect().top, bottom = 0;
    gd.querySelectorAll(DRAWN).forEach(function (e) {
      var b = e.getBoundingClientRect();
      if (b.width > 1 && b.height > 1) { bottom = Math.max(bottom, b.bottom - top); }
    });
    return bottom > 50 ? Math.min(h, Math.ceil(bottom) + 10) : h;
  }

  function scalable(gd) {
    var L = gd._fullLayout, box = gd.querySelector(".svg-container");
    if (!L || !box || !box.getBoundingClientRect().width) { return; }
    var w = L.width, h = printedHeight(gd, L.height);
    box.style.setProperty("--lc-aspect", w + " / " + h);
    gd.style.setProperty("--lc-aspect", w + " / " + h);
    box.querySelectorAll("svg.main-svg").forEach(function (svg) {
      svg.setAttribute("viewBox", "0 0 " + w + " " + h);
      svg.setAttribute("preserveAspectRatio", "xMinYMin meet");
    });
    box.querySelectorAll(".gl-container > div").forEach(function (scene) {
      var s = scene.style;
      ["left", "width"].forEach(function (k) { if (s[k]) { scene.style.setProperty("--lc-" + k, 100 * parseFloat(s[k]) / w + "%"); } });
      ["top", "height"].forEach(function (k) { if (s[k]) { scene.style.setProperty("--lc-" + k, 100 * parseFloat(s[k]) / h + "%"); } });
    });
  }

  /* The values a slider figure shows, as a printed line under it. */
  function shownValues(gd) {
    return (gd.layout.sliders || []).map(function (sl) {
      var step = sl.steps && sl.steps[sl.active || 0];
      var prefix = ((sl.currentvalue && sl.currentvalue.prefix) || "").trim();
      return step ? (prefix ? prefix + " " : "") + step.label : "";
    }).filter(Boolean).join(", ");
  }

  function atDefault(gd) {
    return (gd.layout.sliders || []).every(function (sl, k) { return (sl.active || 0) === gd._lcDefault[k]; });
  }

  function prepare(gd) {
    if (gd._lcPrint || !gd.layout) { return; }
    gd._lcPrint = true;
    var sliders = gd.layout.sliders || [];
    gd._lcDefault = sliders.map(function (sl) { return sl.active || 0; });
    if (sliders.length) {
      var note = document.createElement("p");
      note.className = "lc-print-note";
      note.textContent = "Printed at " + shownValues(gd) + " (the figure's default; on the website a slider moves it).";
      gd.parentNode.insertBefore(note, gd.nextSibling);
    }
    scalable(gd);
    if (gd.on) {
      gd.on("plotly_afterplot", function () { scalable(gd); });
      gd.on("plotly_animated", function () { scalable(gd); });
      gd.on("plotly_relayout", function () { scalable(gd); });
    }
  }

  /* A figure whose sliders were moved shows its default frame while the page prints (a
   * synchronous redraw: the browser prints right after this event), and is put back after. */
  function toDefault(gd) {
    var frames = gd._transitionData && gd._transitionData._frameHash;
    var frame = frames && frames[gd._lcDefault.join("_")];
    if (!frame || atDefault(gd)) { return; }
    // copies: a redraw writes into the layout it is given (autoranges), and the frames must
    // stay as they are for the next slider move
    var copy = function (x) { return window.structuredClone ? structuredClone(x) : JSON.parse(JSON.stringify(x)); };
    gd._lcMoved = {data: gd.data.map(copy), layout: copy(gd.layout), theme: gd._lcTheme};
    var data = gd.data.map(copy);
    (frame.traces || frame.data.map(function (t, i) { return i; })).forEach(function (index, i) {
      data[index] = Object.assign(data[index], copy(frame.data[i]));
    });
    var layout = Object.assign(copy(gd.layout), copy(frame.layout || {}));
    layout.sliders = gd.layout.sliders.map(function (sl, k) { return Object.assign({}, sl, {active: gd._lcDefault[k]}); });
    Plotly.react(gd, data, layout);
  }

  function back(gd) {
    if (!gd._lcMoved) { return; }
    var moved = gd._lcMoved;
    delete gd._lcMoved;
    Plotly.react(gd, moved.data, moved.layout);
    gd._lcTheme = moved.theme;
  }

  function each(f) { return function () { document.querySelectorAll("div.plotly-graph-div").forEach(function (gd) { if (gd._lcPrint) { f(gd); } }); }; }
  window.addEventListener("beforeprint", each(toDefault));
  window.addEventListener("afterprint", each(back));

  function all() { document.querySelectorAll("div.plotly-graph-div").forEach(prepare); }
  if (document.readyState === "complete") { all(); } else { window.addEventListener("load", all); }
})();
