// Journey page: "Expand all" / "Collapse all" for the tree (each branch is a <details>, so
// single branches open and close without any script).
(function () {
  "use strict";

  function showTools() {
    document.querySelectorAll("[data-journey-tools]").forEach(function (tools) { tools.hidden = false; });
  }

  document.addEventListener("click", function (event) {
    var expand = event.target.closest("[data-journey-expand]");
    var collapse = event.target.closest("[data-journey-collapse]");
    if (!expand && !collapse) return;
    document.querySelectorAll("#journey-tree details.jn-branch").forEach(function (branch) {
      branch.open = Boolean(expand);
    });
  });

  // The tools arrive again with every htmx swap of the page content.
  document.addEventListener("htmx:afterSettle", showTools);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", showTools);
  else showTools();
})();
