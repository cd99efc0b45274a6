/* Every page (deferred; book/_ext/site_assets.py adds it).
 *
 * A display equation wider than its column scrolls sideways (site.css); a keyboard reader
 * must be able to scroll it too, so an equation that overflows gets into the tab order
 * (WCAG 2.1.1). Checked once MathJax has typeset the page and again when the width changes.
 *
 * Paper is white: a page shown dark prints in the light theme (its figures follow the
 * theme, figures.js), and is dark again after printing.
 */
(function () {
  "use strict";

  function focusableOverflow() {
    document.querySelectorAll('div.math, mjx-container[display="true"]').forEach(function (e) {
      var scrolls = e.scrollWidth > e.clientWidth + 1;
      if (scrolls && !e.hasAttribute("tabindex")) {
        e.setAttribute("tabindex", "0");
        e.dataset.lcScroll = "1";
      } else if (!scrolls && e.dataset.lcScroll) {
        e.removeAttribute("tabindex");
        delete e.dataset.lcScroll;
      }
    });
  }

  function start() {
    var mj = window.MathJax && window.MathJax.startup && window.MathJax.startup.promise;
    (mj || Promise.resolve()).then(focusableOverflow);
    var timer = null;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(focusableOverflow, 200);
    });
  }

  var root = document.documentElement;
  window.addEventListener("beforeprint", function () {
    if (root.dataset.theme === "dark") { root.dataset.lcPrintedFrom = "dark"; root.dataset.theme = "light"; }
  });
  window.addEventListener("afterprint", function () {
    if (root.dataset.lcPrintedFrom) { root.dataset.theme = root.dataset.lcPrintedFrom; delete root.dataset.lcPrintedFrom; }
  });

  // MathJax is loaded with the page; its startup promise settles once the page is typeset
  if (document.readyState === "complete") { start(); } else { window.addEventListener("load", start); }
})();
