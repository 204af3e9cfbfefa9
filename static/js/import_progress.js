// Subscriber import page: poll the import's progress every second, reload when it is finished.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box) { return; }
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  var label = box.querySelector("[data-progress-label]");
  var url = box.dataset.progressUrl;
  var number = function (n) { return Number(n).toLocaleString(); };
  var poll = function () {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { setTimeout(poll, 3000); return; }
        if (data.finished) { window.location.reload(); return; }
        if (label && data.status === "running") { label.textContent = "Importing…"; }
        bar.max = data.total_rows || 1;
        bar.value = data.processed_rows;
        bar.textContent = data.percent + "%";
        text.textContent = number(data.processed_rows) + " of " + number(data.total_rows) +
          " rows read: " + number(data.imported_count) + " imported, " +
          number(data.rejected_count) + " rejected.";
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  };
  setTimeout(poll, 1000);
})();
