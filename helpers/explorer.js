// Accessible explorers. Each explorer's output runs this once it is shown, in JupyterLab,
// Notebook 7 and the exported pages: ipywidgets draws a slider as a handle with no name,
// so each handle is named after the slider's label, and the status and verdict lines are
// made live regions, so that a screen reader announces each new status. Widgets are drawn
// after this runs, so one observer per page labels each element as it is added (only
// what is added: JupyterLab changes the page at every key press).
(function () {
  function within(root, selector) {
    return root.matches(selector) ? [root] : Array.from(root.querySelectorAll(selector));
  }
  function label(root) {
    within(root, ".widget-slider").forEach(function (slider) {
      var name = slider.querySelector(".widget-label");
      var handle = slider.querySelector(".noUi-handle");
      if (name && handle) {
        handle.setAttribute("aria-label", name.textContent);
      }
    });
    within(root, ".explorer-status, .explorer-verdict").forEach(function (line) {
      line.setAttribute("aria-live", "polite");
    });
  }
  if (!window.explorerLabels) {
    window.explorerLabels = new MutationObserver(function (records) {
      records.forEach(function (record) {
        record.addedNodes.forEach(function (node) {
          if (node.nodeType === Node.ELEMENT_NODE) {
            label(node);
          }
        });
      });
    });
    window.explorerLabels.observe(document.body, { childList: true, subtree: true });
  }
  label(document.body);
})();
