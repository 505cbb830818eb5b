/*
 * Accessibility fixes to the markup that Material's own script adds (checked by axe-core in
 * tests/test_browser.py). Material puts a <nav> above every code block to hold its copy button:
 * dozens of landmarks with no name, which drown out the page's real ones. They are toolbars,
 * not landmarks: their role goes (the copy button keeps its name).
 */
(function () {
  "use strict";

  function fix(root) {
    root.querySelectorAll(".md-code__nav:not([role])").forEach(function (nav) {
      nav.setAttribute("role", "none");
    });
  }

  new MutationObserver(function (mutations) {
    mutations.forEach(function (mutation) {
      mutation.addedNodes.forEach(function (node) {
        if (node.nodeType === 1) fix(node.parentNode || node);
      });
    });
  }).observe(document.body, { childList: true, subtree: true });
  fix(document);
})();
