// Issue editor: upload images by button, drag-and-drop or paste, and insert them as Markdown.
// The server checks and resizes each file; the inserted alt text is selected for the writer
// to describe the image in their own words.
(function () {
  "use strict";
  var tools = document.querySelector("[data-image-upload-url]");
  var textarea = document.querySelector("textarea[data-preview-url]");
  var form = document.getElementById("issue-form");
  if (!tools || !textarea || !form || !window.fetch || !window.FormData) { return; }
  var uploadUrl = tools.dataset.imageUploadUrl;
  var maxBytes = parseInt(tools.dataset.maxBytes, 10) || 0;
  var issueId = tools.dataset.issueId || "";
  var status = document.getElementById("image-status");
  var picker = document.getElementById("image-file");
  var button = document.getElementById("insert-image");
  var hint = document.getElementById("image-hint");
  var token = form.querySelector("input[name=csrf_token]");
  var accepted = /^image\/(jpeg|png|gif|webp)$/;
  var queue = Promise.resolve();

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  function megabytes(bytes) {
    return (Math.round(bytes / 100000) / 10) + " MB";
  }

  function insert(url, alt) {
    var start = textarea.selectionStart;
    var before = textarea.value.slice(0, start);
    var after = textarea.value.slice(textarea.selectionEnd);
    var lead = !before || /\n\n$/.test(before) ? "" : (/\n$/.test(before) ? "\n" : "\n\n");
    var trail = !after || /^\n/.test(after) ? "" : "\n\n";
    var safeAlt = alt.replace(/[\[\]\\]/g, "\\$&");
    var text = lead + "![" + safeAlt + "](" + url + ")" + trail;
    textarea.focus();
    // execCommand keeps the insertion on the textarea's undo stack where browsers allow it.
    if (!document.execCommand || !document.execCommand("insertText", false, text)) {
      textarea.setRangeText(text, start, textarea.selectionEnd, "end");
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
    var altStart = start + lead.length + 2;
    textarea.setSelectionRange(altStart, altStart + safeAlt.length);
  }

  function upload(file, pasted) {
    var name = file.name || "image";
    if (file.type && !accepted.test(file.type)) {
      say("“" + name + "” is not an image we can use. Upload a JPEG, PNG, GIF or WebP.", true);
      return Promise.resolve();
    }
    if (maxBytes && file.size > maxBytes) {
      say("“" + name + "” is " + megabytes(file.size) + "; the most we accept is " +
        megabytes(maxBytes) + ". Nothing was uploaded.", true);
      return Promise.resolve();
    }
    var body = new FormData();
    body.append("image", file, name);
    if (issueId) { body.append("issue_id", issueId); }
    say("Uploading “" + name + "”…");
    return fetch(uploadUrl, {
      method: "POST",
      body: body,
      headers: { "X-CSRFToken": token ? token.value : "", "Accept": "application/json" },
      credentials: "same-origin"
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) {
            say(data.error || "The upload failed (" + response.status + "). Try again.", true);
            return;
          }
          insert(data.url, pasted || !data.alt ? "Describe this image" : data.alt);
          say("Image inserted. The selected text describes it for readers who cannot see it: " +
            "type over it.");
        });
      })
      .catch(function () { say("The upload failed. Check your connection and try again.", true); });
  }

  function uploadAll(files, pasted) {
    Array.prototype.forEach.call(files, function (file) {
      queue = queue.then(function () { return upload(file, pasted); });
    });
  }

  function hasFiles(event) {
    var types = event.dataTransfer ? event.dataTransfer.types : [];
    return Array.prototype.indexOf.call(types, "Files") !== -1;
  }

  button.hidden = false;
  if (hint) { hint.hidden = false; }
  button.addEventListener("click", function () { picker.click(); });
  picker.addEventListener("change", function () {
    uploadAll(picker.files, false);
    picker.value = "";
  });
  textarea.addEventListener("dragover", function (event) {
    if (!hasFiles(event)) { return; }
    event.preventDefault();
    textarea.classList.add("dropping");
  });
  textarea.addEventListener("dragleave", function () { textarea.classList.remove("dropping"); });
  textarea.addEventListener("drop", function (event) {
    textarea.classList.remove("dropping");
    if (!hasFiles(event) || !event.dataTransfer.files.length) { return; }
    event.preventDefault();
    uploadAll(event.dataTransfer.files, false);
  });
  textarea.addEventListener("paste", function (event) {
    var data = event.clipboardData;
    // Word and web pages put a picture of copied text beside the text itself: keep the text.
    if (!data || !data.files || !data.files.length || data.getData("text/plain")) { return; }
    event.preventDefault();
    uploadAll(data.files, true);
  });
})();
