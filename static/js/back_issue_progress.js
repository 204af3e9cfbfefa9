// Back-issue import page: poll the import's progress every second, reload when it is finished.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box) { return; }
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  var label = box.querySelector("[data-progress-label]");
  var poll = function () {
    fetch(box.dataset.progressUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { setTimeout(poll, 3000); return; }
        if (data.finished) { window.location.reload(); return; }
        if (label && data.status === "running") { label.textContent = "Importing…"; }
        bar.max = data.total_posts || 1;
        bar.value = data.processed_posts;
        bar.textContent = data.percent + "%";
        text.textContent = data.processed_posts + " of " + data.total_posts + " posts done: " +
          data.imported_count + " imported, " + data.skipped_count + " skipped.";
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  };
  setTimeout(poll, 1000);
})();
