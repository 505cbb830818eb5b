/*
 * Loads run.js on a page with Run buttons (hooks/in_browser.py marks its <article> with
 * data-run-manifest): on every page shown, instant navigation included, since Material runs no
 * script of a page it navigates to. Elsewhere it loads nothing: the other pages weigh what they
 * weighed before the Run buttons, give or take this file.
 */
(function () {
  "use strict";

  var here = document.currentScript.src;

  function check() {
    if (window.roadmapRunLoading || !document.querySelector("[data-run-manifest]")) return;
    window.roadmapRunLoading = true;
    var run = document.createElement("script");
    run.src = new URL("run.js", here).href;
    document.head.appendChild(run);
  }

  // async: this may run before or after Material's script defines document$ (every page shown)
  function start() {
    if (window.document$) window.document$.subscribe(check);
    else check();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
