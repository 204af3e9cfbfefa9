// Editor: the "Insert paywall break" button puts the marker on its own line at the cursor.
(function () {
  "use strict";
  var button = document.querySelector("[data-insert-paywall]");
  var body = document.getElementById("body_markdown");
  if (!button || !body) return;
  button.addEventListener("click", function () {
    var marker = button.getAttribute("data-insert-paywall");
    var text = body.value;
    var at = body.selectionStart || 0;
    var before = text.slice(0, at).replace(/[ \t]*$/, "");
    var after = text.slice(at).replace(/^[ \t]*/, "");
    var lead = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
    var tail = after && !/^\n\n/.test(after) ? (/^\n/.test(after) ? "\n" : "\n\n") : "\n";
    body.value = before + lead + marker + tail + after;
    var caret = (before + lead + marker + tail).length;
    body.focus();
    body.setSelectionRange(caret, caret);
    body.dispatchEvent(new Event("input", { bubbles: true }));
    var audience = document.getElementById("audience");
    if (audience && audience.value !== "paid") {
      audience.value = "paid";
      audience.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
})();
