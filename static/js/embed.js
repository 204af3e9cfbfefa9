// Tend embed: replaces <div data-tend-subscribe="URL"></div> (the subscribe form) or
// <div data-tend-embed="URL"></div> (any Tend form, e.g. support requests) with the form in
// an iframe that grows to fit its content.
(function () {
  "use strict";
  var frames = [];
  document.querySelectorAll("[data-tend-subscribe], [data-tend-embed]").forEach(function (slot) {
    var frame = document.createElement("iframe");
    var generic = slot.hasAttribute("data-tend-embed");
    frame.src = slot.getAttribute(generic ? "data-tend-embed" : "data-tend-subscribe");
    frame.title = slot.getAttribute("data-title") || (generic ? "Form" : "Subscribe by email");
    frame.loading = "lazy";
    frame.style.cssText = "width:100%;max-width:480px;border:0;height:320px;overflow:hidden;";
    slot.replaceWith(frame);
    frames.push(frame);
  });
  window.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.tend !== "resize" || typeof data.height !== "number") { return; }
    frames.forEach(function (frame) {
      if (frame.contentWindow === event.source) {
        frame.style.height = Math.min(Math.max(data.height, 120), 5000) + "px"; // long forms fit
      }
    });
  });
})();
