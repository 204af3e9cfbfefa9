// Issue editor: live Markdown preview and confirmation before destructive actions.
(function () {
  "use strict";
  var textarea = document.querySelector("textarea[data-preview-url]");
  var preview = document.getElementById("preview");
  var readTime = document.getElementById("preview-read-time");
  var form = document.getElementById("issue-form");
  if (textarea && preview && form) {
    var timer = null;
    var token = form.querySelector("input[name=csrf_token]");
    var refresh = function () {
      var body = new FormData();
      body.append("body_markdown", textarea.value);
      fetch(textarea.dataset.previewUrl, {
        method: "POST",
        body: body,
        headers: { "X-CSRFToken": token ? token.value : "", "Accept": "application/json" },
        credentials: "same-origin"
      })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.html !== undefined) {
            preview.innerHTML = data.html; // sanitised on the server with nh3
            if (readTime) { readTime.textContent = data.read_time; }
          } else if (data.error && readTime) {
            readTime.textContent = data.error;
          }
        })
        .catch(function () { /* keep the last good preview */ });
    };
    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    });
  }
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (event) {
      // Buttons that only count or schedule ask nothing.
      if (event.submitter && event.submitter.hasAttribute("data-no-confirm")) { return; }
      if (!window.confirm(f.dataset.confirm)) { event.preventDefault(); }
    });
  });
})();
