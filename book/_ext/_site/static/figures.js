/* Figures on a narrow screen (a phone): the legend moves below the figure, titles and
 * subplot titles get a smaller font so they fit side by side. Loaded (deferred) on pages
 * with plotly figures by book/_ext/site_assets.py; a figure wider than NARROW is untouched.
 */
(function () {
  "use strict";
  var NARROW = 600;

  function fonts(gd) {
    var update = {}, layout = gd.layout;
    if (layout.title && layout.title.text) {
      update["title.font.size"] = 13;
    }
    (layout.annotations || []).forEach(function (a, i) {
      // subplot titles and status lines: smaller, so neighbours do not run into each other
      if (a.text) { update["annotations[" + i + "].font.size"] = 11; }
    });
    return update;
  }

  function legendBelow(gd) {
    var layout = gd._fullLayout;
    if (!layout.showlegend || gd._lcLegendBelow) { return Promise.resolve(); }
    gd._lcLegendBelow = true;
    return Plotly.relayout(gd, {
      "legend.orientation": "h", "legend.xref": "container", "legend.yref": "container",
      "legend.x": 0, "legend.xanchor": "left", "legend.y": 0, "legend.yanchor": "bottom",
      "legend.font.size": 11
    }).then(function () {
      var box = gd.querySelector("g.legend");
      var extra = box ? Math.ceil(box.getBBox().height) + 12 : 0;
      return Plotly.relayout(gd, {
        "margin.b": layout.margin.b + extra,
        "height": layout.height + extra
      });
    });
  }

  function adapt(gd) {
    if (!gd.layout || !gd._fullLayout || gd.clientWidth >= NARROW) { return; }
    var again = fonts(gd);
    legendBelow(gd).then(function () {
      if (Object.keys(again).length) { return Plotly.relayout(gd, again); }
    });
    if (!gd._lcAnimatedHook && gd.on) {
      gd._lcAnimatedHook = true;
      // a slider switches frames, whose layout brings the original fonts back
      gd.on("plotly_animated", function () {
        var f = fonts(gd);
        if (Object.keys(f).length) { Plotly.relayout(gd, f); }
      });
    }
  }

  function all() {
    document.querySelectorAll("div.plotly-graph-div").forEach(adapt);
  }

  if (document.readyState === "complete") { all(); } else { window.addEventListener("load", all); }
})();
