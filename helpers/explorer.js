// Accessible explorers. Each explorer's output runs this once it is shown, in JupyterLab,
// Notebook 7 and the exported pages: ipywidgets draws a slider as a handle with no name,
// so each handle is named after the slider's label, and the status and verdict lines are
// made live regions, so that a screen reader announces each new status.
(function () {
  function label() {
    document.querySelectorAll(".widget-slider").forEach(function (slider) {
      var name = slider.querySelector(".widget-label");
      var handle = slider.querySelector(".noUi-handle");
      if (name && handle && handle.getAttribute("aria-label") !== name.textContent) {
        handle.setAttribute("aria-label", name.textContent);
      }
    });
    document.querySelectorAll(".explorer-status, .explorer-verdict").forEach(function (line) {
      line.setAttribute("aria-live", "polite");
    });
  }
  if (!window.explorerLabels) {  // one observer per page, however many explorers
    window.explorerLabels = new MutationObserver(label);
    window.explorerLabels.observe(document.body, { childList: true, subtree: true });
  }
  label();
})();
