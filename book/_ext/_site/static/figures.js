/* Figures take the width of the column they are in, and on a narrow screen (a phone) they
 * reflow. Loaded (deferred) on pages with plotly figures by book/_ext/site_assets.py.
 *
 * A figure drawn before the page's layout settled is resized to its column. A figure
 * narrower than NARROW pixels is rearranged: subplots side by side are stacked, each at
 * the full width; the legend moves below the figure; titles, subplot titles and axis
 * titles get a smaller font and long status lines are wrapped. In a wider figure a legend
 * that wrapped into more rows than the top margin holds gets the missing room.
 *
 * A slider switches frames whose layout brings back the wide arrangement (axis domains,
 * annotation positions and fonts), so the narrow one is applied again after each switch.
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

  function wrapTexts(gd) {
    var update = {}, width = Math.max(30, Math.floor(gd.clientWidth / 6.5));
    (gd.layout.annotations || []).forEach(function (a, k) {
      var text = a.text || "", w = wrapped(text, width);
      if (w !== text) { update["annotations[" + k + "].text"] = w; }
    });
    return Object.keys(update).length ? Plotly.relayout(gd, update) : Promise.resolve();
  }

  function legendBelow(gd) {
    var L = gd._fullLayout;
    if (!L.showlegend) { return Promise.resolve(0); }
    return Plotly.relayout(gd, {
      "legend.orientation": "h", "legend.xref": "container", "legend.yref": "container",
      "legend.x": 0, "legend.xanchor": "left", "legend.y": 0, "legend.yanchor": "bottom",
      "legend.font.size": 11
    }).then(function () {
      var box = gd.querySelector("g.legend");
      return box ? Math.ceil(box.getBBox().height) + 12 : 0;
    });
  }

  function adapt(gd) {
    if (gd._lcNarrow || !gd.layout || !gd._fullLayout || gd.clientWidth >= NARROW) { return; }
    var plan = narrowLayout(gd), marginB = gd._fullLayout.margin.b;
    gd._lcNarrow = plan.update;
    Plotly.relayout(gd, plan.update).then(function () {
      return wrapTexts(gd);
    }).then(function () {
      return legendBelow(gd);
    }).then(function (extra) {
      var height = plan.height + extra;
      // the figure's box (and plotly's wrapper around it) were given the wide height: grow them
      gd.style.height = height + "px";
      if (gd.parentElement && gd.parentElement.style.height) { gd.parentElement.style.height = height + "px"; }
      return Plotly.relayout(gd, {"margin.b": marginB + extra, "height": height});
    });
    if (gd.on) {
      gd.on("plotly_animated", function () {
        Plotly.relayout(gd, gd._lcNarrow).then(function () { return wrapTexts(gd); });
      });
    }
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

  function all() {
    document.querySelectorAll("div.plotly-graph-div").forEach(function (gd) {
      fit(gd).then(function () {
        if (gd.clientWidth < NARROW) { adapt(gd); } else { return clearLegend(gd); }
      });
    });
  }

  if (document.readyState === "complete") { all(); } else { window.addEventListener("load", all); }
})();
