/* Every page (deferred; book/_ext/site_assets.py adds it).
 *
 * Whatever is wider than its column scrolls sideways instead of being cut off (site.css):
 * display equations, a long inline formula on a phone, result tables, Markdown tables. One
 * that overflows
 *  - gets into the tab order, so a keyboard reader can scroll it too (WCAG 2.1.1);
 *  - shows that it scrolls: ``data-lc-scroll`` says which of its edges hide more ("right",
 *    "both", "left"), and site.css draws a shadow over those edges, updated as it is scrolled.
 * Checked once MathJax has typeset the page and again when the width changes.
 *
 * Paper is white: a page shown dark prints in the light theme (its figures follow the
 * theme, figures.js), and is dark again after printing.
 */
(function () {
  "use strict";

  var SCROLLERS = 'div.math, mjx-container[display="true"], .bd-article mjx-container:not([display="true"]), ' +
                  '.lc-table-wrap, .pst-scrollable-table-container';

  // The width of what an element shows. A MathJax container's scrollWidth also counts its
  // hidden assistive MathML (a few px more than the formula), so a formula is measured itself.
  function contentWidth(e) {
    var math = e.tagName === "MJX-CONTAINER" && e.querySelector("mjx-math");
    return math ? Math.ceil(math.getBoundingClientRect().width) : e.scrollWidth;
  }

  function edges(e) {
    var hiddenLeft = e.scrollLeft > 1, hiddenRight = e.scrollLeft + e.clientWidth < contentWidth(e) - 1;
    e.dataset.lcScroll = hiddenLeft && hiddenRight ? "both" : hiddenLeft ? "left" : hiddenRight ? "right" : "none";
    e.style.setProperty("--lc-scroll-left", e.scrollLeft + "px");   // keeps the shadows on the visible edges
  }

  function onScroll(event) { edges(event.currentTarget); }

  function markOverflow() {
    document.querySelectorAll(SCROLLERS).forEach(function (e) {
      var scrolls = e.offsetParent !== null && contentWidth(e) > e.clientWidth + 1;
      if (scrolls && !e.dataset.lcScroll) {
        if (!e.hasAttribute("tabindex")) { e.setAttribute("tabindex", "0"); e.dataset.lcTab = "1"; }
        e.addEventListener("scroll", onScroll, {passive: true});
        edges(e);
      } else if (scrolls) {
        edges(e);
      } else if (e.dataset.lcScroll) {
        if (e.dataset.lcTab) { e.removeAttribute("tabindex"); delete e.dataset.lcTab; }
        e.removeEventListener("scroll", onScroll);
        delete e.dataset.lcScroll;
      }
    });
  }

  function start() {
    var mj = window.MathJax && window.MathJax.startup && window.MathJax.startup.promise;
    (mj || Promise.resolve()).then(markOverflow);
    var timer = null;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(markOverflow, 200);
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
