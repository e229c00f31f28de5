// The photo form: says at once when a photo is too large or there are too many, before minutes are spent
// sending them on a weak signal, and shows that the photos are on their way. The form works without this.
(function () {
  "use strict";

  function setup(form) {
    var error = document.getElementById("photo-error");
    var status = document.getElementById("photo-status");
    var button = form.querySelector("button[type=submit]");
    var inputs = form.querySelectorAll("input[type=file]");
    var maxBytes = parseInt(form.dataset.maxBytes, 10);
    var maxFiles = parseInt(form.dataset.maxFiles, 10);

    function problem() {
      var count = 0;
      for (var i = 0; i < inputs.length; i++) {
        var files = inputs[i].files || [];
        for (var j = 0; j < files.length; j++) {
          count++;
          if (files[j].size > maxBytes) { return form.dataset.tooLarge.replace("%s", files[j].name); }
        }
      }
      return count > maxFiles ? form.dataset.tooMany : "";
    }

    function check() {
      var message = problem();
      error.textContent = message;
      error.hidden = !message;
      return !message;
    }

    for (var i = 0; i < inputs.length; i++) { inputs[i].addEventListener("change", check); }
    form.addEventListener("submit", function (event) {
      if (!check()) { event.preventDefault(); return; }
      button.disabled = true;
      status.textContent = form.dataset.sending;
    });
    // Back to this page from the browser's history: the button works again.
    window.addEventListener("pageshow", function () { button.disabled = false; status.textContent = ""; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("photo-upload");
    if (form) { setup(form); }
  });
})();
