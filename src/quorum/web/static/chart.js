// Progressive enhancement for the server-rendered SVG charts: a read-out follows the
// pointer (or keyboard focus) over data points, and hovering a legend entry dims the other
// lines. The charts and their tables work without this file.
(function () {
  "use strict";
  var readout = null;
  function show(el, x, y) {
    if (!readout) {
      readout = document.createElement("div");
      readout.className = "readout";
      readout.setAttribute("aria-hidden", "true");
      document.body.appendChild(readout);
    }
    readout.textContent = el.getAttribute("data-series") + ", " +
      el.getAttribute("data-label") + ": " + el.getAttribute("data-value");
    readout.style.left = (x + 12) + "px";
    readout.style.top = (y - 28) + "px";
    readout.hidden = false;
  }
  function hide() { if (readout) { readout.hidden = true; } }
  document.querySelectorAll("svg.chart [data-value]").forEach(function (el) {
    el.addEventListener("mouseenter", function (ev) { show(el, ev.pageX, ev.pageY); });
    el.addEventListener("mouseleave", hide);
  });
  document.querySelectorAll("ul.legend").forEach(function (legend) {
    var svg = legend.previousElementSibling;
    if (!svg) { return; }
    legend.querySelectorAll("li").forEach(function (li) {
      var name = li.textContent.trim();
      li.addEventListener("mouseenter", function () {
        svg.querySelectorAll(".series").forEach(function (g) {
          g.classList.toggle("dim", g.getAttribute("data-series") !== name);
        });
      });
      li.addEventListener("mouseleave", function () {
        svg.querySelectorAll(".series").forEach(function (g) { g.classList.remove("dim"); });
      });
    });
  });
})();
