// Send form: as the segment changes, ask the server how many readers it holds, and say so
// next to the send button and in the confirmation. Without script, the "Count" button does it.
(function () {
  "use strict";
  var form = document.querySelector("form[data-segment-count-url]");
  if (!form) { return; }
  var picker = form.querySelector(".segment-picker");
  var recipients = form.querySelector("[data-segment-recipients]");
  var summary = form.querySelector("[data-segment-summary]");
  if (!picker || !recipients) { return; }
  var fields = ["paid", "tags_any", "tags_all", "tags_none", "joined_after", "joined_before", "sources"];
  var timer = null;
  var asked = 0;
  var plural = function (n) { return n === 1 ? "" : "s"; };
  var count = function () {
    var data = new FormData(form);
    var query = new URLSearchParams();
    fields.forEach(function (name) {
      data.getAll(name).forEach(function (value) { if (value) { query.append(name, value); } });
    });
    var mine = ++asked;
    fetch(form.dataset.segmentCountUrl + "?" + query.toString(), {
      headers: { "Accept": "application/json" }, credentials: "same-origin"
    })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (mine !== asked) { return; }
        if (data.error) { recipients.textContent = data.error; return; }
        var n = Number(data.count);
        recipients.textContent = "to " + n.toLocaleString() + " reader" + plural(n) + " in this segment";
        if (summary) { summary.textContent = data.description; }
        form.dataset.confirm = form.dataset.confirmVerb + " this issue to " + n.toLocaleString() +
          " reader" + plural(n) + " now?";
      })
      .catch(function () { /* keep the last count */ });
  };
  picker.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(count, 200);
  });
})();
