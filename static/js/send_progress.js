// Send page: poll the send's progress every 2 s; update the counts, bar and time left.
(function () {
  "use strict";
  var box = document.getElementById("send-progress");
  if (!box) { return; }
  var url = box.dataset.progressUrl;
  var settled = { done: true, cancelled: true };
  var firstStatus = box.dataset.status;
  if (settled[firstStatus]) { return; }
  var bar = box.querySelector("progress");
  var badge = document.querySelector("[data-send-status]");
  var eta = box.querySelector("[data-eta]");
  var number = function (n) { return Number(n).toLocaleString(); };
  var show = function (name, value) {
    var el = box.querySelector('[data-count="' + name + '"]');
    if (el) { el.textContent = value; }
  };
  var timeLeft = function (seconds) {
    if (seconds === null || seconds === undefined) { return ""; }
    if (seconds < 60) { return " · less than a minute left"; }
    return " · about " + Math.ceil(seconds / 60) + " min left";
  };
  var apply = function (data) {
    bar.max = data.total || 1;
    bar.value = data.finished;
    bar.textContent = Number(data.percent).toFixed(1) + "%";
    show("finished", number(data.finished));
    show("total", number(data.total));
    show("percent", Number(data.percent).toFixed(1));
    show("queued", number(data.queued + data.sending));
    ["sent", "deferred", "failed", "bounced", "skipped"].forEach(function (name) { show(name, number(data[name])); });
    if (eta) { eta.textContent = data.status === "sending" ? timeLeft(data.eta_seconds) : ""; }
    if (badge && badge.textContent !== data.status) {
      badge.textContent = data.status;
      badge.className = "status status-send-" + data.status;
    }
  };
  var poll = function () {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { setTimeout(poll, 5000); return; }
        apply(data);
        var started = firstStatus === "queued" && data.status === "sending";
        if (data.status !== firstStatus && !started) {
          // The buttons and the recipient list depend on the state: show them fresh.
          window.location.reload();
          return;
        }
        setTimeout(poll, 2000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  };
  setTimeout(poll, 2000);
})();
