// Small enhancements for the server-rendered pages. Every form works without this file.
(function () {
  "use strict";

  // Same folding as tracker/textsearch.py: no accents, đ as d, lower case, single spaces.
  function fold(text) {
    return (text || "").replace(/[đĐ]/g, "d").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .toLowerCase().replace(/\s+/g, " ").trim();
  }

  // crypto.randomUUID needs a secure context; a phone on the office network may use plain http.
  function uuid4() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function show(selector, root) {
    (root || document).querySelectorAll(selector).forEach(function (el) { el.hidden = false; });
  }

  // The village picker: typing filters the list, accents optional.
  function villageSearch() {
    var input = document.getElementById("village-search");
    var select = document.getElementById("village_id");
    if (!input || !select) { return; }
    var all = Array.prototype.map.call(select.querySelectorAll("option"), function (o) {
      return { value: o.value, text: o.textContent, group: o.parentNode.tagName === "OPTGROUP" ? o.parentNode.label : null,
               folded: fold(o.textContent + " " + (o.parentNode.label || "") + " " + (o.dataset.former || "")) };
    });
    var count = document.getElementById("village-search-count");
    input.addEventListener("input", function () {
      var q = fold(input.value);
      var current = select.value;
      var matches = all.filter(function (o) { return !q || o.folded.indexOf(q) !== -1; });
      select.textContent = "";
      var groups = {};
      matches.forEach(function (o) {
        var opt = new Option(o.text, o.value);
        if (o.group) {
          if (!groups[o.group]) { groups[o.group] = document.createElement("optgroup"); groups[o.group].label = o.group; select.appendChild(groups[o.group]); }
          groups[o.group].appendChild(opt);
        } else { select.appendChild(opt); }
      });
      var keep = matches.some(function (o) { return o.value === current; });
      select.value = keep ? current : (matches.length ? matches[0].value : "");
      if (count) { count.textContent = q ? count.dataset.template.replace("%d", matches.length) : ""; }
    });
  }

  // "Use my location" fills the GPS fields.
  function locationButton() {
    var button = document.getElementById("use-location");
    if (!button || !navigator.geolocation) { return; }
    button.hidden = false;
    var status = document.getElementById("location-status");
    button.addEventListener("click", function () {
      status.textContent = button.dataset.waiting;
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById("latitude").value = pos.coords.latitude.toFixed(6);
        document.getElementById("longitude").value = pos.coords.longitude.toFixed(6);
        var acc = document.getElementById("gps_accuracy_m");
        if (acc) { acc.value = Math.round(pos.coords.accuracy); }
        status.textContent = button.dataset.done.replace("%d", Math.round(pos.coords.accuracy));
      }, function () {
        status.textContent = button.dataset.failed;
      }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
    });
  }

  // Adding and removing concerns without a round trip to the server.
  function concernEntries() {
    var container = document.getElementById("concerns");
    var add = document.getElementById("add-concern");
    if (!container || !add) { return; }
    var max = 20;
    function renumber() {
      container.querySelectorAll("fieldset.concern").forEach(function (fs, i) {
        fs.dataset.index = i;
        var legend = fs.querySelector("legend");
        legend.textContent = container.dataset.legend.replace("%d", i + 1);
        fs.querySelectorAll("[name],[id],[for],[aria-describedby]").forEach(function (el) {
          ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
            var v = el.getAttribute(attr);
            if (v) { el.setAttribute(attr, v.replace(/concerns-\d+-/g, "concerns-" + i + "-")); }
          });
        });
      });
    }
    add.addEventListener("click", function (event) {
      var entries = container.querySelectorAll("fieldset.concern");
      if (entries.length >= max) { return; }
      event.preventDefault();
      var copy = entries[entries.length - 1].cloneNode(true);
      copy.querySelectorAll(".error").forEach(function (el) { el.remove(); });
      copy.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
      copy.querySelectorAll("input, textarea").forEach(function (el) {
        el.removeAttribute("aria-invalid");
        if (/client_uuid$/.test(el.name)) { el.value = uuid4(); } else { el.value = ""; }
      });
      copy.querySelectorAll("select").forEach(function (el) { el.selectedIndex = 0; el.removeAttribute("aria-invalid"); });
      copy.querySelector(".similar").textContent = "";
      copy.querySelector(".linked").hidden = true;
      container.appendChild(copy);
      renumber();
      copy.querySelector("input:not([type=hidden])").focus();
    });
    container.addEventListener("click", function (event) {
      if (!event.target.classList.contains("remove-concern")) { return; }
      var entries = container.querySelectorAll("fieldset.concern");
      var fs = event.target.closest("fieldset.concern");
      if (entries.length > 1) { fs.remove(); renumber(); add.focus(); }
      else { fs.querySelectorAll("input:not([type=hidden]), textarea").forEach(function (el) { el.value = ""; }); }
    });
  }

  // While a concern is typed, open concerns of the same village and category are offered, so that a
  // concern raised again is added to the one already open instead of opening a second.
  function similarConcerns() {
    var container = document.getElementById("concerns");
    var village = document.getElementById("village_id");
    if (!container || !village || !window.fetch) { return; }
    function look(fieldset) {
      var category = fieldset.querySelector("select[name$='-category_id']");
      var target = fieldset.querySelector(".similar");
      var sameAs = fieldset.querySelector("input[name$='-same_as']");
      if (!category || !target || (sameAs && sameAs.value)) { return; }
      if (!village.value || !category.value) { target.textContent = ""; return; }
      var url = container.dataset.similarUrl + "?village=" + encodeURIComponent(village.value) +
        "&category=" + encodeURIComponent(category.value);
      // Only the answer to the latest question counts: an earlier, slower one must not overwrite it.
      var asked = String(Date.now()) + Math.random();
      fieldset.dataset.similarAsked = asked;
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { if (fieldset.dataset.similarAsked === asked) { target.innerHTML = html; } })
        .catch(function () { target.textContent = ""; });  // offline: nothing to offer, nothing lost
    }
    function lookAll() { container.querySelectorAll("fieldset.concern").forEach(look); }
    village.addEventListener("change", lookAll);
    container.addEventListener("change", function (event) {
      if (/-category_id$/.test(event.target.name || "")) { look(event.target.closest("fieldset.concern")); }
    });
    container.addEventListener("click", function (event) {
      var fieldset = event.target.closest("fieldset.concern");
      if (!fieldset) { return; }
      var sameAs = fieldset.querySelector("input[name$='-same_as']");
      var linked = fieldset.querySelector(".linked");
      if (event.target.classList.contains("link-same")) {
        sameAs.value = event.target.dataset.concernId;
        fieldset.querySelector(".linked-label").textContent = event.target.dataset.label;
        linked.hidden = false;
        fieldset.querySelector(".similar").textContent = "";
        sameAs.dispatchEvent(new Event("change", { bubbles: true }));
      } else if (event.target.classList.contains("unlink")) {
        sameAs.value = "";
        linked.hidden = true;
        sameAs.dispatchEvent(new Event("change", { bubbles: true }));
        look(fieldset);
      }
    });
  }

  // What is typed into the visit form is kept on the phone until the server has saved it, so that a
  // lost connection, a closed tab or a flat battery loses nothing. The draft keeps its client UUID:
  // sending a restored draft that had in fact arrived stores nothing twice.
  var DRAFT_KEY = "tracker:visit-draft";

  function readDraft() {
    try { return JSON.parse(localStorage.getItem(DRAFT_KEY) || "null"); } catch (e) { return null; }
  }

  function visitDraft() {
    var saved = document.querySelector("[data-saved-visit]");
    var draft = readDraft();
    if (saved && draft && draft.uuid === saved.dataset.savedVisit) { localStorage.removeItem(DRAFT_KEY); }
    var form = document.getElementById("visit-form");
    if (!form || !window.localStorage) { return; }
    function save() {
      var fields = [];
      form.querySelectorAll("input, select, textarea").forEach(function (el) {
        if (!el.name || el.name === "csrf_token" || el.type === "submit" || el.hasAttribute("data-no-draft")) { return; }
        if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { return; }
        fields.push([el.name, el.value]);
      });
      try {
        localStorage.setItem(DRAFT_KEY, JSON.stringify({
          uuid: form.elements.client_uuid.value, savedAt: Date.now(), fields: fields,
          entries: form.querySelectorAll("fieldset.concern").length
        }));
      } catch (e) { /* storage full or refused: the form itself still works */ }
    }
    var banner = document.getElementById("draft-banner");
    var hasErrors = !!form.querySelector("[aria-invalid=true]") || !!document.querySelector(".error-summary");
    if (draft && banner && !hasErrors && draft.uuid !== form.elements.client_uuid.value) {
      banner.hidden = false;
      document.getElementById("draft-restore").addEventListener("click", function () {
        var add = document.getElementById("add-concern");
        for (var i = form.querySelectorAll("fieldset.concern").length; i < draft.entries; i++) { add.click(); }
        form.querySelectorAll("input[type=checkbox]").forEach(function (el) { el.checked = false; });
        draft.fields.forEach(function (pair) {
          var matches = form.querySelectorAll("[name='" + pair[0] + "']");
          matches.forEach(function (el) {
            if (el.type === "checkbox") { if (el.value === pair[1]) { el.checked = true; } }
            else { el.value = pair[1]; }
          });
        });
        banner.hidden = true;
        save();
      });
      document.getElementById("draft-discard").addEventListener("click", function () {
        localStorage.removeItem(DRAFT_KEY);
        banner.hidden = true;
      });
    } else if (hasErrors) {
      save();  // the server sent back what was typed: keep it as the draft too
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", save);
  }

  // Signing out on a shared phone leaves no resident's name behind in a draft.
  function forgetOnSignOut() {
    var logout = document.getElementById("logout-form");
    if (logout) { logout.addEventListener("submit", function () { localStorage.removeItem(DRAFT_KEY); }); }
  }

  // The status form shows the referral and duplicate fields only for the status that needs them.
  function statusFields() {
    var select = document.getElementById("status-status");
    if (!select) { return; }
    var parts = select.form.querySelectorAll("[data-show-for]");
    function update() {
      parts.forEach(function (el) {
        var needed = el.dataset.showFor === select.value;
        el.hidden = !needed && !el.querySelector("[aria-invalid=true]");
      });
    }
    select.addEventListener("change", update);
    update();
  }

  // Bring the first field with an error into view, for keyboards and screen readers too.
  function focusFirstError() {
    var invalid = document.querySelector("[aria-invalid=true]");
    if (invalid) { invalid.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    show(".js-only");
    var button = document.getElementById("use-location");
    if (button && !navigator.geolocation) { button.hidden = true; }
    villageSearch();
    locationButton();
    concernEntries();
    similarConcerns();
    statusFields();
    visitDraft();
    forgetOnSignOut();
    focusFirstError();
  });
})();
