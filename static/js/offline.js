// Working with no signal: the outbox, the copy of my concerns kept on the phone, and signing out of a
// shared phone. Everything the page says comes from the page (#offline-strings, data- attributes).
//
// The outbox (IndexedDB "tracker-offline", store "outbox") keeps visits (the JSON the API takes, photos as
// Blobs) and status changes (with the photo of the result, a Blob too) and notes made with no signal. One item at a time is sent, with a CSRF token
// fetched just before; an item leaves the outbox only when the server has confirmed all of it. Every visit,
// concern, photo and change carries a UUID made here, so that a retry after a lost answer stores nothing twice.
(function () {
  "use strict";

  var root = document.getElementById("outbox");
  if (!root || !window.indexedDB || !window.fetch || !window.Promise) { return; }
  var T = JSON.parse(document.getElementById("offline-strings").textContent);
  var USER = root.dataset.user ? parseInt(root.dataset.user, 10) : null;
  var API = root.dataset.api;
  var LANG = document.documentElement.lang || "vi";
  var PAUSES = [5000, 15000, 60000, 300000, 900000]; // between failed tries: 5 s, 15 s, 1 min, 5 min, 15 min
  var DRAFT_KEY = "tracker:visit-draft"; // app.js's draft of the visit form
  var NOTICE_KEY = "tracker:outbox-notice";
  var CONCERNS_FRESH_MS = 10 * 60 * 1000;

  // --- Small helpers ----------------------------------------------------------------------------------------

  function uuid4() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) { return name in values ? values[name] : all; });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else if (k === "className") { node.className = attrs[k]; }
      else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }

  function plural(n, one, other) {
    var rule = window.Intl && Intl.PluralRules ? new Intl.PluralRules(LANG).select(n) : (n === 1 ? "one" : "other");
    return fill(rule === "one" ? one : other, { n: n });
  }

  // A calendar day "2026-12-23" as the server's pages write it (23/12/2026 in Vietnamese).
  function day(iso) {
    var d = new Date(String(iso || "") + "T00:00:00");
    return isNaN(d) ? String(iso || "") : d.toLocaleDateString(LANG, { day: "2-digit", month: "2-digit", year: "numeric" });
  }
  function time(ms) { return new Date(ms).toLocaleTimeString(LANG, { hour: "2-digit", minute: "2-digit", second: "2-digit" }); }
  function moment(value) {
    var d = new Date(value);
    return isNaN(d) ? String(value || "") : d.toLocaleString(LANG, { dateStyle: "short", timeStyle: "short" });
  }
  // The photo form's own limit and message (static/js/photos.js), said before a photo waits on the phone.
  function photoProblem(file) {
    var most = parseInt(root.dataset.photoMaxBytes, 10);
    return file && most && file.size > most ? root.dataset.photoTooLarge.replace("%s", file.name) : "";
  }

  // A photo as the outbox keeps it: sent under its own UUID, so that a retry after a lost answer is answered
  // with the photo already stored. ``evidence``: it shows the concern resolved.
  function photoRecord(file, evidence) {
    return { uuid: uuid4(), blob: file, name: file.name, type: file.type, done: false, evidence: !!evidence };
  }

  function localToday() {
    var d = new Date();
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  }

  // --- IndexedDB ----------------------------------------------------------------------------------------------

  var dbPromise = null;
  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open("tracker-offline", 1);
        request.onupgradeneeded = function () {
          var db = request.result;
          db.createObjectStore("outbox", { keyPath: "id" });
          db.createObjectStore("concerns", { keyPath: "id" });
          db.createObjectStore("meta", { keyPath: "key" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function store(name, mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode);
        var request = work(tx.objectStore(name));
        tx.oncomplete = function () { resolve(request ? request.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }
  function getAll(name) { return store(name, "readonly", function (s) { return s.getAll(); }); }
  function getOne(name, key) { return store(name, "readonly", function (s) { return s.get(key); }); }
  function putOne(name, value) { return store(name, "readwrite", function (s) { return s.put(value); }); }
  function deleteOne(name, key) { return store(name, "readwrite", function (s) { return s.delete(key); }); }
  function clearAll(name) { return store(name, "readwrite", function (s) { return s.clear(); }); }

  function items() {
    return getAll("outbox").then(function (all) {
      return all.sort(function (a, b) { return a.created - b.created; });
    });
  }
  function myItems() {
    return items().then(function (all) { return all.filter(function (i) { return i.user === USER; }); });
  }

  // --- Talking to the API ---------------------------------------------------------------------------------------

  function Problem(kind, status, body) { this.kind = kind; this.status = status; this.body = body; }

  async function answer(response) {
    var body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (response.ok) { return body || {}; }
    var code = body && body.error && body.error.code;
    if (response.status === 401) { throw new Problem("auth", 401, body); }
    if (response.status === 403 && code === "password_change_required") { throw new Problem("password", 403, body); }
    if (response.status === 409) { throw new Problem("conflict", 409, body); }
    // A stale CSRF token, too many requests, a server in trouble: try again later, as for no network.
    if (response.status === 429 || response.status >= 500 || code === "csrf_failed" || !body || !body.error) {
      throw new Problem("later", response.status, body);
    }
    throw new Problem("rejected", response.status, body);
  }

  async function call(url, options) {
    var response;
    try {
      response = await fetch(url, Object.assign({ credentials: "same-origin", cache: "no-store" }, options));
    } catch (e) {
      throw new Problem("network", 0, null);
    }
    return answer(response);
  }

  async function csrfToken() {
    var body = await call(API + "/csrf-token", { headers: { Accept: "application/json" } });
    return body.csrf_token;
  }

  function postJson(url, data, token) {
    return call(url, {
      method: "POST", body: JSON.stringify(data),
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token }
    });
  }

  // --- Sending ------------------------------------------------------------------------------------------------

  var sending = false;
  var needSignIn = null; // "auth" or "password" once the server has said so
  var timer = null;
  var notice = "";
  var goAfter = null; // the item sent from the visit form while online: open its page once it is saved

  function say(message) { notice = message || ""; }

  function withLock(work) {
    // One tab sends at a time (the server would store nothing twice anyway).
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request("tracker-outbox", { ifAvailable: true }, function (lock) { return lock ? work() : null; });
    }
    return work();
  }

  // The item's photos not yet confirmed, one by one; each is marked done (and the item kept) once the server
  // has it. ``concern``: the concern's photo endpoint, which also takes whether the photo is evidence.
  async function sendPhotos(item, url, token, concern) {
    var photos = item.photos || [];
    for (var i = 0; i < photos.length; i++) {
      var photo = photos[i];
      if (photo.done) { continue; }
      var form = new FormData();
      form.append("photo", photo.blob, photo.name || "photo.jpg");
      form.append("client_uuid", photo.uuid);
      if (concern) { form.append("is_evidence", photo.evidence ? "1" : "0"); }
      await call(url, { method: "POST", body: form, headers: { Accept: "application/json", "X-CSRFToken": token } });
      photo.done = true;
      await putOne("outbox", item);
    }
  }

  async function sendItem(item) {
    var token = await csrfToken();
    if (item.kind === "visit") {
      if (!item.visitId) {
        var body = await postJson(API + "/visits", item.payload, token);
        item.visitId = body.visit.id;
        item.visitUrl = body.visit.url;
        await putOne("outbox", item);
      }
      await sendPhotos(item, API + "/visits/" + item.visitId + "/photos", token, false);
    } else {
      var concernUrl = API + "/concerns/" + item.concernId;
      // The photo of the result first: a concern of some categories is resolved only once its evidence is
      // stored. A refused photo stops here, and the status change is not sent.
      if (item.kind === "status") { await sendPhotos(item, concernUrl + "/photos", token, true); }
      var result = await postJson(concernUrl + (item.kind === "status" ? "/status" : "/notes"), item.payload, token);
      if (result.concern) { await keepConcern(result.concern); }
    }
    await deleteOne("outbox", item.id);
  }

  async function flush(force) {
    if (sending || !USER) { return render(); }
    if (!navigator.onLine) { say(T.offline); return render(); }
    sending = true;
    try {
      await withLock(async function () {
        var waiting = (await myItems()).filter(function (i) { return i.state === "waiting"; });
        for (var n = 0; n < waiting.length; n++) {
          var item = waiting[n];
          if (!force && item.nextTry > Date.now()) { break; } // in order: the first waits, the rest wait with it
          say(T.sending); render();
          try {
            await sendItem(item);
            needSignIn = null;
            say(T.all_sent);
            if (goAfter === item.id && item.visitUrl) { sessionStorage.setItem(NOTICE_KEY, T.sent_visit); location.assign(item.visitUrl); return; }
          } catch (problem) {
            if (!(problem instanceof Problem)) { throw problem; }
            if (problem.kind === "network" || problem.kind === "later") {
              item.tries = (item.tries || 0) + 1;
              item.nextTry = Date.now() + PAUSES[Math.min(item.tries - 1, PAUSES.length - 1)];
              await putOne("outbox", item);
              say(T.failed_network + " " + fill(T.next_try, { time: time(item.nextTry) }));
              break; // nothing else will get through either
            }
            if (problem.kind === "auth" || problem.kind === "password") {
              needSignIn = problem.kind;
              say(problem.kind === "auth" ? T.sign_in_again : T.password_change);
              break;
            }
            var error = (problem.body && problem.body.error) || {};
            if (problem.kind === "conflict") {
              item.state = "conflict";
              item.current = (problem.body && (problem.body.current || error.current)) || null;
              if (item.current) { await keepConcern(item.current); }
            } else {
              item.state = "rejected";
            }
            item.error = { status: problem.status, code: error.code || "", message: error.message || "", fields: error.fields || {} };
            await putOne("outbox", item);
            say("");
            if (goAfter === item.id && item.kind === "visit") { location.assign(root.dataset.visitForm + "?outbox=" + encodeURIComponent(item.id)); return; }
          }
        }
      });
    } finally {
      sending = false;
      await render();
      schedule();
    }
  }

  async function schedule() {
    if (timer) { clearTimeout(timer); timer = null; }
    if (!USER || needSignIn) { return; }
    var waiting = (await myItems()).filter(function (i) { return i.state === "waiting"; });
    if (!waiting.length) { return; }
    var wait = Math.max(1000, (waiting[0].nextTry || 0) - Date.now());
    timer = setTimeout(function () { flush(false); }, wait);
  }

  async function addItem(item) {
    item.user = USER;
    item.created = Date.now();
    item.state = "waiting";
    item.tries = 0;
    item.nextTry = 0;
    try {
      await putOne("outbox", item);
    } catch (e) {
      say(T.storage_full); render();
      throw e;
    }
    if (navigator.storage && navigator.storage.persist) { navigator.storage.persist().catch(function () {}); }
    if (navigator.serviceWorker && navigator.serviceWorker.ready && window.SyncManager) {
      navigator.serviceWorker.ready.then(function (reg) { return reg.sync.register("outbox"); }).catch(function () {});
    }
    return item;
  }

  // --- The banner on every page ------------------------------------------------------------------------------------

  var expanded = false;

  function describe(item) {
    var l = item.label || {};
    if (item.kind === "visit") {
      var text = fill(T.visit_label, { village: l.village || "?", date: l.date || "" });
      var parts = [text, fill(T.concerns_count, { n: (item.payload.concerns || []).length })];
      if (item.photos.length) { parts.push(plural(item.photos.length, T.photo_one, T.photos)); }
      return parts.join(" · ");
    }
    if (item.kind === "status") {
      var photos = (item.photos || []).length;
      return fill(T.status_label, { code: l.code || "", status: T.statuses[item.payload.status] || item.payload.status }) + (l.title ? " — " + l.title : "") +
        (photos ? " · " + plural(photos, T.photo_one, T.photos) : "");
    }
    return fill(T.note_label, { code: l.code || "" }) + (l.title ? " — " + l.title : "");
  }

  function fieldList(fields) {
    var list = el("ul", { className: "outbox-fields" });
    Object.keys(fields || {}).forEach(function (name) {
      var label = name === "photo" ? T.photo_of_result : name;
      list.appendChild(el("li", { text: label + ": " + [].concat(fields[name]).join(" ") }));
    });
    return list.childNodes.length ? list : null;
  }

  function button(text, className, action, id) {
    var b = el("button", { type: "button", className: className, text: text, "data-action": action, "data-id": id });
    return b;
  }

  // The photos of the changes waiting, shown from the phone's own copy: photo UUID -> object URL.
  var thumbs = {};
  function thumbUrl(photo) {
    if (!thumbs[photo.uuid]) { thumbs[photo.uuid] = URL.createObjectURL(photo.blob); }
    return thumbs[photo.uuid];
  }
  function forgetThumbs(kept) {
    Object.keys(thumbs).forEach(function (id) {
      if (kept.indexOf(id) === -1) { URL.revokeObjectURL(thumbs[id]); delete thumbs[id]; }
    });
  }

  function photoStrip(item) {
    var shown = (item.photos || []).filter(function (p) { return p.blob; });
    if (item.kind !== "status" || !shown.length) { return null; }
    return el("ul", { className: "outbox-photos" }, shown.map(function (p) {
      return el("li", {}, [
        el("img", { src: thumbUrl(p), alt: T.photo_of_result + (p.name ? ": " + p.name : "") }),
        p.evidence ? el("span", { className: "badge evidence", text: T.evidence }) : null
      ]);
    }));
  }

  // A refused status change can take another photo: the one refused, or the evidence it was sent without.
  function wantsPhoto(item) {
    if (item.kind !== "status" || item.state !== "rejected") { return false; }
    var error = item.error || {};
    return !!(error.fields && error.fields.photo) || !!error.local || (item.payload.status === "resolved" && !(item.photos || []).length);
  }

  function photoButton(item) {
    var waiting = (item.photos || []).some(function (p) { return !p.done; });
    var input = el("input", { type: "file", accept: "image/*", capture: "environment", "data-action": "photo", "data-id": item.id });
    // On the input itself: the list may be drawn again while the camera is open, and the photo still counts.
    input.addEventListener("change", function () { replacePhoto(item.id, input.files && input.files[0]); });
    return el("label", { className: "button secondary file-button" }, [
      document.createTextNode(waiting ? T.another_photo : T.take_photo), input
    ]);
  }

  function itemView(item) {
    var li = el("li", { className: "item outbox-item state-" + item.state, "data-id": item.id });
    li.appendChild(el("p", { className: "outbox-what" }, [el("strong", { text: describe(item) })]));
    li.appendChild(el("p", { className: "muted", text: moment(item.created) }));
    var strip = photoStrip(item);
    if (strip) { li.appendChild(strip); }
    if (item.state === "rejected" && item.error) {
      var said = item.error.message || item.error.status;
      li.appendChild(el("p", { className: "error", text: item.error.local ? said : T.rejected + " " + said }));
      var fields = fieldList(item.error.fields);
      if (fields) { li.appendChild(fields); }
    }
    if (item.state === "conflict") {
      li.appendChild(el("p", { className: "error", text: T.conflict }));
      var current = item.current || {};
      var theirs = (T.statuses[current.status] || current.status_label || current.status || "") +
        (current.updated_at ? " · " + moment(current.updated_at) : "");
      var events = (current.events || []).slice(-1)[0];
      if (events) { theirs += " · " + (T.events[events.kind] || events.kind || "") + (events.author_name ? " · " + events.author_name : "") + (events.note ? ": " + events.note : ""); }
      li.appendChild(el("p", {}, [el("strong", { text: T.conflict_theirs + " " }), document.createTextNode(theirs)]));
      var yours = (item.kind === "status" ? (T.statuses[item.payload.status] || item.payload.status) : "") +
        (item.payload.note || item.payload.text ? " · " + (item.payload.note || item.payload.text) : "");
      li.appendChild(el("p", {}, [el("strong", { text: T.conflict_yours + " " }), document.createTextNode(yours)]));
    }
    var actions = el("div", { className: "outbox-actions" });
    if (item.state === "conflict") {
      actions.appendChild(button(T.apply_again, "secondary", "again", item.id));
      actions.appendChild(button(T.discard, "link", "remove", item.id));
    } else {
      if (item.state === "rejected" && item.kind === "visit") {
        actions.appendChild(el("a", { className: "button secondary", href: root.dataset.visitForm + "?outbox=" + encodeURIComponent(item.id), text: T.correct }));
      }
      if (wantsPhoto(item)) { actions.appendChild(photoButton(item)); }
      actions.appendChild(button(T.remove, "link", "remove", item.id));
    }
    li.appendChild(actions);
    return li;
  }

  async function render() {
    var all;
    try { all = await items(); } catch (e) { return; }
    var mine = USER ? all.filter(function (i) { return i.user === USER; }) : all;
    var status = document.getElementById("outbox-status");
    var box = document.getElementById("outbox-box");
    var text = mine.length ? plural(mine.length, T.waiting_one, T.waiting_other) : "";
    if (!USER && mine.length) { text += ". " + T.sign_in_again; }
    var message = [text, mine.length || notice === T.all_sent || notice === T.saved_offline || notice === T.storage_full ? notice : ""]
      .filter(Boolean).join(" — ");
    if (status.textContent !== message) { status.textContent = message; }
    root.classList.toggle("has-items", mine.length > 0);
    box.hidden = mine.length === 0;
    document.getElementById("outbox-signin").hidden = !(mine.length && (!USER || needSignIn === "auth"));
    document.getElementById("outbox-send").hidden = !USER || !mine.some(function (i) { return i.state === "waiting"; });
    var toggle = document.getElementById("outbox-toggle");
    toggle.hidden = !USER;
    // The list names villages and residents' concerns: only for the official who made them.
    var panel = document.getElementById("outbox-panel");
    panel.hidden = !USER || !expanded;
    toggle.setAttribute("aria-expanded", String(expanded && !!USER));
    toggle.textContent = expanded ? T.hide_list : T.show_list;
    var list = document.getElementById("outbox-list");
    list.textContent = "";
    if (USER) { mine.forEach(function (item) { list.appendChild(itemView(item)); }); }
    forgetThumbs(USER ? [].concat.apply([], mine.map(function (i) { return (i.photos || []).map(function (p) { return p.uuid; }); })) : []);
    if (USER) { await othersNote(all); }
  }

  async function othersNote(all) {
    var others = all.some(function (i) { return i.user !== USER; });
    var note = document.getElementById("outbox-others");
    if (others && !note) {
      note = el("p", { id: "outbox-others", className: "hint", text: T.others_kept });
      root.appendChild(note);
    } else if (!others && note) { note.remove(); }
  }

  function bannerEvents() {
    document.getElementById("outbox-send").addEventListener("click", function () {
      needSignIn = null;
      myItems().then(function (mine) {
        return Promise.all(mine.map(function (i) { i.nextTry = 0; return putOne("outbox", i); }));
      }).then(function () { flush(true); });
    });
    document.getElementById("outbox-toggle").addEventListener("click", function () { expanded = !expanded; render(); });
    document.getElementById("outbox-save").addEventListener("click", saveToFile);
    document.getElementById("outbox-list").addEventListener("click", async function (event) {
      var target = event.target.closest("button[data-action]");
      if (!target) { return; }
      var item = await getOne("outbox", target.dataset.id);
      if (!item || item.user !== USER) { return; }
      if (target.dataset.action === "remove") {
        if (!window.confirm(T.remove_confirm)) { return; }
        await deleteOne("outbox", item.id);
        say("");
        await render();
        document.getElementById("outbox-status").focus && document.getElementById("outbox-toggle").focus();
      } else if (target.dataset.action === "again") {
        // Apply the same change on the version the server has now: the official has seen the other change.
        if (item.current && item.current.version != null) { item.payload.version = item.current.version; }
        item.payload.client_uuid = uuid4();
        item.state = "waiting"; item.error = null; item.current = null; item.tries = 0; item.nextTry = 0;
        await putOne("outbox", item);
        flush(true);
      }
    });
  }

  // Another photo for a refused status change. The photo not stored is replaced by this one, under a UUID of
  // its own; a photo already stored stays stored.
  async function replacePhoto(id, file) {
    var item = await getOne("outbox", id);
    if (!file || !item || item.user !== USER) { return; }
    var problem = photoProblem(file);
    if (problem) {
      item.error = { status: 0, code: "", message: problem, fields: {}, local: true };
    } else {
      item.photos = (item.photos || []).filter(function (p) { return p.done; });
      item.photos.push(photoRecord(file, item.payload.status === "resolved"));
      item.state = "waiting"; item.error = null; item.tries = 0; item.nextTry = 0;
    }
    try {
      await putOne("outbox", item);
    } catch (e) {
      say(T.storage_full);
    }
    await render();
    if (!problem) { flush(true); }
  }

  function blobToDataUrl(blob) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsDataURL(blob);
    });
  }

  // The last resort before a phone's data is cleared: every item, photos included, in one JSON file.
  async function saveToFile() {
    var mine = await myItems();
    var out = [];
    for (var i = 0; i < mine.length; i++) {
      var item = Object.assign({}, mine[i]);
      item.photos = [];
      for (var j = 0; j < (mine[i].photos || []).length; j++) {
        var p = mine[i].photos[j];
        item.photos.push({ uuid: p.uuid, name: p.name, type: p.type, done: p.done, evidence: !!p.evidence, data_url: p.blob ? await blobToDataUrl(p.blob) : null });
      }
      out.push(item);
    }
    var blob = new Blob([JSON.stringify({ saved_at: new Date().toISOString(), api: API, items: out }, null, 1)], { type: "application/json" });
    var a = el("a", { href: URL.createObjectURL(blob), download: "outbox-" + new Date().toISOString().slice(0, 16).replace(/[:T]/g, "-") + ".json" });
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  // --- The visit form ----------------------------------------------------------------------------------------

  function numberOrRaw(value) {
    value = (value || "").trim();
    if (value === "") { return null; }
    var n = Number(value.replace(",", "."));
    return isNaN(n) ? value : n;
  }

  function visitPayload(form) {
    var f = form.elements;
    var value = function (name) { return f[name] ? f[name].value : ""; };
    var payload = {
      client_uuid: value("client_uuid"), village_id: numberOrRaw(value("village_id")),
      visit_date: value("visit_date") || localToday(), kind: value("kind"),
      attendees: numberOrRaw(value("attendees")), notes: value("notes"),
      latitude: numberOrRaw(value("latitude")), longitude: numberOrRaw(value("longitude")),
      gps_accuracy_m: numberOrRaw(value("gps_accuracy_m")),
      official_ids: Array.prototype.filter.call(form.querySelectorAll("input[name=officials]"), function (c) { return c.checked; })
        .map(function (c) { return parseInt(c.value, 10); }),
      concerns: []
    };
    form.querySelectorAll("fieldset.concern").forEach(function (fs) {
      var get = function (suffix) { var x = fs.querySelector("[name$='-" + suffix + "']"); return x ? x.value : ""; };
      var texts = ["title", "description", "resident_name", "resident_contact"].map(get);
      if (!texts.some(function (t) { return t.trim(); }) && !get("households_affected").trim()) { return; }
      payload.concerns.push({
        client_uuid: get("client_uuid") || uuid4(), category_id: numberOrRaw(get("category_id")), title: get("title"),
        description: get("description"), resident_name: get("resident_name") || null,
        resident_contact: get("resident_contact") || null,
        households_affected: numberOrRaw(get("households_affected")), priority: get("priority") || "normal",
        // Residents raised an open concern again: the server adds a note to it, as the form does.
        same_as_id: numberOrRaw(get("same_as"))
      });
    });
    return payload;
  }

  function optionText(select) {
    var o = select && select.options[select.selectedIndex];
    return o && o.value ? o.textContent : "";
  }

  async function queueVisit(form, photos, existing) {
    var payload = visitPayload(form);
    var item = existing || { id: payload.client_uuid, kind: "visit", photos: [] };
    item.payload = payload;
    var shown = new Date(payload.visit_date + "T00:00:00");
    item.label = { village: optionText(form.elements.village_id), date: isNaN(shown) ? payload.visit_date : shown.toLocaleDateString(LANG) };
    photos.forEach(function (file) {
      item.photos.push({ uuid: uuid4(), blob: file, name: file.name, type: file.type, done: false });
    });
    item.error = null; item.current = null;
    await addItem(item);
    try { localStorage.removeItem(DRAFT_KEY); } catch (e) { /* nothing kept */ }
    return item;
  }

  function fetchWithin(url, ms) {
    var controller = window.AbortController ? new AbortController() : null;
    var timeout = setTimeout(function () { if (controller) { controller.abort(); } }, ms);
    return fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" }, signal: controller ? controller.signal : undefined })
      .finally(function () { clearTimeout(timeout); });
  }

  // A fresh CSRF token if the server answers within 8 s, else null (no signal, a weak one, the session ended):
  // a form is then kept in the outbox. A page kept by the service worker may be hours old, and its token too.
  async function freshToken() {
    if (!navigator.onLine) { return null; }
    try {
      var response = await fetchWithin(API + "/csrf-token", 8000);
      if (response.status === 401) { needSignIn = "auth"; return null; }
      if (!response.ok) { return null; }
      return (await response.json()).csrf_token || null;
    } catch (e) {
      return null; // no answer: it waits on the phone
    }
  }

  function fieldName(apiField) {
    // "concerns[0].title" -> "concerns-0-title"; "official_ids" -> "officials"
    if (apiField === "official_ids") { return "officials"; }
    return apiField.replace(/\[(\d+)\]\./g, "-$1-").replace(/-same_as_id$/, "-same_as");
  }

  function showErrors(form, error) {
    var summary = el("div", { className: "error-summary", role: "alert", id: "outbox-errors" },
      [el("p", { text: T.rejected + " " + (error.message || "") }), el("p", { text: T.field_errors })]);
    form.parentNode.insertBefore(summary, form);
    Object.keys(error.fields || {}).forEach(function (name) {
      var input = form.querySelector("[name='" + fieldName(name) + "']");
      var message = el("p", { className: "error", text: [].concat(error.fields[name]).join(" ") });
      if (input) {
        input.setAttribute("aria-invalid", "true");
        var field = input.closest(".field") || input.parentNode;
        field.classList.add("has-error");
        field.insertBefore(message, field.firstChild.nextSibling);
      } else {
        summary.appendChild(message);
      }
    });
    var first = form.querySelector("[aria-invalid=true]");
    (first || summary).focus && (first || summary).focus();
  }

  function restoreVisit(form, item) {
    var p = item.payload;
    var add = document.getElementById("add-concern");
    for (var i = form.querySelectorAll("fieldset.concern").length; i < Math.max(1, p.concerns.length); i++) { add.click(); }
    var set = function (name, value) { var x = form.elements[name]; if (x) { x.value = value == null ? "" : String(value); } };
    ["client_uuid", "village_id", "visit_date", "kind", "attendees", "notes", "latitude", "longitude", "gps_accuracy_m"].forEach(function (n) { set(n, p[n]); });
    form.querySelectorAll("input[name=officials]").forEach(function (c) { c.checked = p.official_ids.indexOf(parseInt(c.value, 10)) !== -1; });
    p.concerns.forEach(function (c, i) {
      Object.keys(c).forEach(function (k) { set("concerns-" + i + "-" + (k === "same_as_id" ? "same_as" : k), c[k]); });
    });
    if (item.error) { showErrors(form, item.error); }
  }

  function visitForm() {
    var form = document.getElementById("visit-form");
    if (!form || !USER) { return; }
    var photoInput = document.getElementById("visit-photos");
    var params = new URLSearchParams(location.search);
    var hasErrors = !!form.querySelector("[aria-invalid=true]") || !!document.querySelector(".error-summary");
    var correcting = null;
    if (!hasErrors) {
      // The page may be the copy kept by the service worker: a visit logged from it is a new visit, today.
      form.elements.client_uuid.value = uuid4();
      form.querySelectorAll("input[name$='-client_uuid']").forEach(function (x) { x.value = uuid4(); });
      var date = form.elements.visit_date;
      if (date) { date.max = localToday(); if (!params.get("outbox")) { date.value = localToday(); } }
    }
    if (params.get("outbox")) {
      getOne("outbox", params.get("outbox")).then(function (item) {
        if (item && item.user === USER && item.kind === "visit") {
          correcting = item;
          setTimeout(function () { restoreVisit(form, item); }, 0); // after app.js has set up "add a concern"
        }
      });
    }
    var native = false;
    form.addEventListener("submit", async function (event) {
      if (native) { return; }
      var submitter = event.submitter;
      if (submitter && submitter.id === "add-concern") { return; }
      event.preventDefault();
      var photos = photoInput ? Array.prototype.slice.call(photoInput.files || []) : [];
      var queue = async function (sendNow) {
        var item = await queueVisit(form, photos, correcting);
        if (sendNow) { goAfter = item.id; flush(true); return; }
        sessionStorage.setItem(NOTICE_KEY, T.saved_offline);
        location.assign(root.dataset.visitForm);
      };
      var token = await freshToken();
      if (!token) { return queue(false); }
      if (photos.length || correcting) { return queue(true); }
      // Online, nothing but the form: the page's own form is sent as always (errors shown by the server),
      // with a fresh token in case the page has been open for hours.
      if (form.elements.csrf_token && token) { form.elements.csrf_token.value = token; }
      native = true;
      if (form.requestSubmit) { form.requestSubmit(submitter || undefined); } else { form.submit(); }
    });
  }

  // --- My concerns, kept on the phone ---------------------------------------------------------------------------

  async function keepConcern(concern) {
    var old = await getOne("concerns", concern.id);
    if (!old && !concern.events) { return; } // not one of mine
    var merged = Object.assign({}, old || {}, concern, { user: USER });
    await putOne("concerns", merged);
  }

  async function refreshConcerns(force) {
    if (!USER || !navigator.onLine) { return; }
    var meta = await getOne("meta", "concerns");
    if (!force && meta && meta.user === USER && Date.now() - meta.at < CONCERNS_FRESH_MS) { return; }
    try {
      var list = await call(API + "/concerns?assignee=me&open=1&per_page=200", { headers: { Accept: "application/json" } });
      var details = [];
      var summaries = list.concerns || [];
      for (var i = 0; i < summaries.length; i++) {
        var d = await call(API + "/concerns/" + summaries[i].id, { headers: { Accept: "application/json" } });
        details.push(Object.assign({}, summaries[i], d.concern, { user: USER }));
      }
      await clearAll("concerns");
      for (var j = 0; j < details.length; j++) { await putOne("concerns", details[j]); }
      await putOne("meta", { key: "concerns", user: USER, at: Date.now() });
    } catch (e) {
      if (e instanceof Problem && e.kind === "auth") { needSignIn = "auth"; render(); }
    }
  }

  async function forgetPersonalData() {
    try { localStorage.removeItem(DRAFT_KEY); } catch (e) { /* nothing */ }
    if (window.caches) {
      var names = await caches.keys();
      await Promise.all(names.filter(function (n) { return n === "tracker-pages"; }).map(function (n) { return caches.delete(n); }));
    }
    await clearAll("concerns");
    await deleteOne("meta", "concerns");
  }

  // --- A status change made with no signal: checked here as the server will check it ------------------------

  // What the server would refuse, by field, said before the change waits on the phone (the server checks
  // again when it is sent). ``photoNeeded``: resolving needs a photo of the result (none stored yet);
  // ``given``: the referral's recipient and the duplicated concern's code, where the form has them.
  function statusProblems(status, note, file, photoNeeded, given) {
    var problems = {};
    given = given || {};
    if (status === "resolved" && !note.trim()) { problems.note = T.note_resolved; }
    if (status === "rejected" && !note.trim()) { problems.note = T.note_rejected; }
    if (status === "referred" && !(given.referred_to || "").trim()) { problems.referred_to = T.referral_needed; }
    if (status === "duplicate" && !(given.duplicate_of || "").trim()) { problems.duplicate_of = T.duplicate_needed; }
    if (file && photoProblem(file)) { problems.photo = photoProblem(file); }
    if (!file && status === "resolved" && photoNeeded) { problems.photo = T.evidence_needed; }
    return problems;
  }

  // The message next to a field, as the server's pages show it (the field marked, the message under its label).
  function markProblem(input, message) {
    if (!input) { return; }
    var field = input.closest(".field") || input.parentNode;
    var old = field.querySelector(".js-problem");
    if (old) { old.remove(); }
    field.classList.toggle("has-error", !!message);
    if (!message) { input.removeAttribute("aria-invalid"); return; }
    var id = (input.id || "field") + "-problem";
    var p = el("p", { className: "error js-problem", id: id, text: message });
    var label = field.querySelector("label");
    field.insertBefore(p, label && label.parentNode === field ? label.nextSibling : field.firstChild);
    input.setAttribute("aria-invalid", "true");
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (x) { return x && x !== id; });
    input.setAttribute("aria-describedby", described.concat([id]).join(" "));
  }

  function clearProblems(form) {
    form.querySelectorAll(".js-problem").forEach(function (p) {
      var field = p.parentNode;
      field.classList.remove("has-error");
      field.querySelectorAll("[aria-invalid]").forEach(function (x) { x.removeAttribute("aria-invalid"); });
      p.remove();
    });
  }

  // A field's message goes as soon as it is being corrected (it is checked again when the form is saved).
  function clearWhenCorrected(form) {
    form.addEventListener("input", function (event) {
      var field = event.target.closest(".field");
      if (field && field.querySelector(".js-problem") && event.target.type !== "file") { markProblem(event.target, ""); }
    });
  }

  // Marks each problem's field (``inputFor(name)``) and focuses the first; true if there was any.
  function showProblems(problems, inputFor) {
    var first = null;
    Object.keys(problems).forEach(function (name) {
      var input = inputFor(name);
      markProblem(input, problems[name]);
      first = first || input;
    });
    if (first) { first.focus(); }
    return !!first;
  }

  // The status form of a concern's page kept on the phone: with a signal it is sent as always (with a fresh
  // CSRF token); with none, the change and its photo wait in the outbox, as one made on /offline/concerns.
  function concernPageStatus() {
    var form = document.getElementById("concern-status-form");
    if (!form || !USER) { return; }
    var native = false;
    var f = form.elements;
    clearWhenCorrected(form);
    var photo = f["status-photo"];
    if (photo) {
      photo.addEventListener("change", function () {
        var problem = photoProblem(photo.files && photo.files[0]);
        if (problem || photo.closest(".field").querySelector(".js-problem")) { markProblem(photo, problem); }
      });
    }
    var input = function (name) { return f["status-" + name]; };
    var value = function (name) { return input(name) ? input(name).value : ""; };
    form.addEventListener("submit", async function (event) {
      if (native) { return; }
      event.preventDefault();
      var submitter = event.submitter;
      var token = await freshToken();
      if (token) {
        var csrf = form.querySelector("input[name$='csrf_token']");
        if (csrf) { csrf.value = token; }
        native = true;
        if (form.requestSubmit) { form.requestSubmit(submitter || undefined); } else { form.submit(); }
        return;
      }
      clearProblems(form);
      var status = value("status");
      var file = photo && photo.files && photo.files[0] || null;
      var problems = statusProblems(status, value("note"), file,
        form.dataset.needsEvidence === "1" && form.dataset.hasEvidence !== "1",
        { referred_to: value("referred_to"), duplicate_of: value("duplicate_of") });
      if (!status) { problems.status = T.choose_status; }
      if (showProblems(problems, input)) { return; }
      var note = value("note");
      var payload = { client_uuid: uuid4(), version: parseInt(value("version"), 10), status: status, note: note };
      if (status === "resolved") { payload.resolution_note = note; }
      if (status === "rejected") { payload.rejection_reason = note; }
      if (status === "referred") {
        payload.referral = { to: value("referred_to"), number: value("referral_number") || null,
          date: value("referral_date") || null, due_date: value("referral_due_date") || null };
      }
      if (status === "duplicate") { payload.duplicate_of = value("duplicate_of"); }
      var item = {
        id: payload.client_uuid, kind: "status", concernId: parseInt(form.dataset.concern, 10), payload: payload,
        photos: file ? [photoRecord(file, status === "resolved")] : [],
        label: { code: form.dataset.reference, title: form.dataset.title }
      };
      try { await addItem(item); } catch (e) { return; }
      form.reset();
      var saved = document.getElementById("concern-status-saved");
      if (!saved) {
        saved = el("p", { id: "concern-status-saved", className: "flash flash-info", role: "status" });
        form.parentNode.insertBefore(saved, form);
      }
      saved.textContent = T.status_saved;
      saved.setAttribute("tabindex", "-1");
      saved.focus();
      flush(true);
    });
  }

  function concernsPage() {
    var list = document.getElementById("offline-concerns");
    if (!list) { return; }
    var detail = document.getElementById("offline-concern");
    var when = document.getElementById("offline-concerns-when");
    var facts = document.getElementById("offline-concern-facts");
    var statusForm = document.getElementById("offline-status-form");
    var noteForm = document.getElementById("offline-note-form");
    var saved = document.getElementById("offline-concern-saved");
    var current = null;

    async function show() {
      var all = (await getAll("concerns")).filter(function (c) { return c.user === USER; });
      var meta = await getOne("meta", "concerns");
      var pending = (await myItems()).filter(function (i) { return i.kind !== "visit"; });
      when.textContent = meta && meta.user === USER ? fill(T.cached_at, { time: moment(meta.at) }) : T.no_cache;
      var match = /^#concern-(\d+)$/.exec(location.hash);
      list.textContent = "";
      if (match) {
        current = all.filter(function (c) { return String(c.id) === match[1]; })[0] || null;
        list.hidden = true;
        detail.hidden = false;
        showConcern(current, pending);
        return;
      }
      detail.hidden = true;
      list.hidden = false;
      if (meta && meta.user === USER && !all.length) { list.appendChild(el("li", { className: "empty", text: T.nothing_assigned })); }
      all.sort(function (a, b) { return String(a.due_date || "").localeCompare(String(b.due_date || "")) || a.id - b.id; });
      all.forEach(function (c) {
        var waiting = pending.some(function (i) { return i.concernId === c.id; });
        list.appendChild(el("li", { className: "item" + (c.is_overdue ? " is-overdue" : "") }, [
          el("a", { href: "#concern-" + c.id }, [el("strong", { text: c.title })]), el("br"),
          el("span", { className: "badge status-" + c.status, text: T.statuses[c.status] || c.status_label || c.status }),
          waiting ? el("span", { className: "badge", text: T.waiting_change }) : null, el("br"),
          el("span", { className: "muted", text: [c.reference_code, c.village_name, c.category_name, day(c.due_date)].filter(Boolean).join(" · ") })
        ]));
      });
    }

    function showConcern(c, pending) {
      var title = document.getElementById("offline-concern-title");
      facts.textContent = "";
      document.getElementById("offline-concern-events").textContent = "";
      document.getElementById("offline-concern-pending").textContent = "";
      if (!c) {
        title.textContent = T.not_in_cache;
        statusForm.hidden = noteForm.hidden = true;
        document.getElementById("offline-concern-description").textContent = "";
        return;
      }
      title.textContent = c.title;
      var d = facts.dataset;
      var rows = [[d.reference, c.reference_code], [d.status, T.statuses[c.status] || c.status_label], [d.priority, T.priorities[c.priority] || c.priority],
        [d.village, c.village_name], [d.category, c.category_name], [d.due, c.due_date && day(c.due_date)],
        [d.households, c.households_affected], [d.resident, [c.resident_name, c.resident_contact].filter(Boolean).join(" · ")]];
      rows.forEach(function (r) {
        if (r[1] === null || r[1] === undefined || r[1] === "") { return; }
        facts.appendChild(el("dt", { text: r[0] }));
        facts.appendChild(el("dd", { text: String(r[1]) }));
      });
      document.getElementById("offline-concern-description").textContent = c.description || "";
      var mine = pending.filter(function (i) { return i.concernId === c.id; });
      mine.forEach(function (i) {
        document.getElementById("offline-concern-pending").appendChild(el("p", { className: "flash flash-info", text: T.waiting_change + ": " + describe(i) }));
      });
      var select = document.getElementById("offline-status");
      select.textContent = "";
      select.appendChild(new Option(T.choose_status, ""));
      (c.allowed_transitions || []).forEach(function (t) {
        var code = typeof t === "string" ? t : (t.status || t.code || t.value);
        if (code === "duplicate") { return; } // needs the other concern's code: done with a signal
        select.appendChild(new Option(T.statuses[code] || (t.label || code), code));
      });
      statusForm.hidden = select.options.length <= 1;
      clearProblems(statusForm);
      statusFields();
      noteForm.hidden = false;
      var events = document.getElementById("offline-concern-events");
      (c.events || []).forEach(function (e) {
        var label = e.kind === "status" && e.new_value ? (T.events.status + ": " + (T.statuses[e.new_value] || e.new_value)) : (T.events[e.kind] || e.kind_label || e.kind);
        events.appendChild(el("li", {}, [
          el("span", { className: "muted", text: moment(e.created_at) + (e.author_name ? " · " + e.author_name : "") }), el("br"),
          el("strong", { text: label }), e.note ? el("span", { className: "prose", text: " " + e.note }) : null
        ]));
      });
    }

    var evidence = document.getElementById("offline-evidence");
    var evidenceInput = document.getElementById("offline-evidence-photo");
    var preview = document.getElementById("offline-evidence-preview");

    function showPreview(file) {
      if (preview.src) { URL.revokeObjectURL(preview.src); preview.removeAttribute("src"); }
      preview.hidden = !file;
      if (file) { preview.src = URL.createObjectURL(file); }
    }

    // The photo of the result is asked for when resolving a concern whose category needs evidence.
    function statusFields() {
      var value = document.getElementById("offline-status").value;
      document.getElementById("offline-referral").hidden = value !== "referred";
      evidence.hidden = !(value === "resolved" && current && current.needs_evidence);
      if (evidence.hidden && evidenceInput.value) { evidenceInput.value = ""; showPreview(null); }
    }

    document.getElementById("offline-status").addEventListener("change", statusFields);
    clearWhenCorrected(statusForm);
    evidenceInput.addEventListener("change", function () {
      var file = evidenceInput.files && evidenceInput.files[0];
      var problem = photoProblem(file);
      markProblem(evidenceInput, problem);
      showPreview(problem ? null : file);
    });
    document.getElementById("offline-back").addEventListener("click", function (event) {
      event.preventDefault();
      history.pushState(null, "", location.pathname);
      show();
    });
    window.addEventListener("hashchange", show);

    async function saveChange(kind, payload, photos) {
      var item = {
        id: payload.client_uuid, kind: kind, concernId: current.id, payload: payload, photos: photos || [],
        label: { code: current.reference_code, title: current.title }
      };
      await addItem(item);
      saved.hidden = false;
      saved.textContent = T.status_saved;
      await show();
      flush(true);
    }

    statusForm.addEventListener("submit", function (event) {
      event.preventDefault();
      clearProblems(statusForm);
      var status = document.getElementById("offline-status");
      if (!current || !status.value) { status.setAttribute("aria-invalid", "true"); status.focus(); return; }
      var note = document.getElementById("offline-status-note").value;
      var file = !evidence.hidden && evidenceInput.files && evidenceInput.files[0] || null;
      var problems = statusProblems(status.value, note, file, current.needs_evidence && !current.has_evidence,
        { referred_to: document.getElementById("offline-referred-to").value });
      var inputs = { note: "offline-status-note", photo: "offline-evidence-photo", referred_to: "offline-referred-to" };
      if (showProblems(problems, function (name) { return document.getElementById(inputs[name]); })) { return; }
      var payload = { client_uuid: uuid4(), version: current.version, status: status.value, note: note };
      if (status.value === "resolved") { payload.resolution_note = note; }
      if (status.value === "rejected") { payload.rejection_reason = note; }
      if (status.value === "referred") { payload.referral = { to: document.getElementById("offline-referred-to").value }; }
      var photos = file ? [photoRecord(file, status.value === "resolved")] : [];
      statusForm.reset();
      statusFields();
      showPreview(null);
      saveChange("status", payload, photos);
    });
    noteForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = document.getElementById("offline-note-text");
      if (!current || !text.value.trim()) { text.setAttribute("aria-invalid", "true"); text.focus(); return; }
      var payload = { client_uuid: uuid4(), text: text.value, version: current.version };
      noteForm.reset();
      saveChange("note", payload);
    });
    show();
    refreshConcerns(true).then(show);
  }

  // The visit form and this page, kept for when there is no signal, whichever page the official opened first.
  async function warmShell() {
    if (!window.caches || !navigator.onLine) { return; }
    var cache = await caches.open("tracker-pages");
    var urls = [root.dataset.visitForm, root.dataset.offlineConcerns];
    for (var i = 0; i < urls.length; i++) {
      if (await cache.match(urls[i])) { continue; }
      try {
        var response = await fetch(urls[i], { credentials: "same-origin" });
        if (response.ok && !response.redirected && response.headers.get("X-Keep-Offline") === "1") { await cache.put(urls[i], response); }
      } catch (e) { /* next time */ }
    }
  }

  // --- Signing out of a shared phone ------------------------------------------------------------------------------

  function signOut() {
    var form = document.getElementById("logout-form");
    var dialog = document.getElementById("signout-dialog");
    if (!form) { return; }
    var go = false;
    function leave() {
      forgetPersonalData().catch(function () {}).then(function () {
        go = true;
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      });
    }
    form.addEventListener("submit", async function (event) {
      if (go) { return; }
      event.preventDefault();
      var mine = await myItems();
      if (!mine.length || !dialog || !dialog.showModal) { return leave(); }
      document.getElementById("signout-title").textContent = T.signout_title;
      document.getElementById("signout-text").textContent = fill(T.signout_text, { n: mine.length });
      document.getElementById("signout-send").textContent = T.signout_send;
      document.getElementById("signout-keep").textContent = T.signout_keep;
      document.getElementById("signout-keep-hint").textContent = T.signout_keep_hint;
      document.getElementById("signout-cancel").textContent = T.cancel;
      dialog.showModal();
    });
    if (!dialog) { return; }
    document.getElementById("signout-cancel").addEventListener("click", function () { dialog.close(); });
    document.getElementById("signout-keep").addEventListener("click", function () { dialog.close(); leave(); });
    document.getElementById("signout-send").addEventListener("click", async function () {
      dialog.close();
      await flush(true);
      if (!(await myItems()).length) { leave(); } else { expanded = true; render(); }
    });
  }

  // --- Start ----------------------------------------------------------------------------------------------------

  function start() {
    // Registered from signed-in pages only: its requests never race the sign-in form's answer.
    if (navigator.serviceWorker && root.dataset.worker && USER) {
      navigator.serviceWorker.register(root.dataset.worker, { scope: "/" }).catch(function () { /* no offline copy */ });
      navigator.serviceWorker.addEventListener("message", function (event) {
        if (event.data && event.data.type === "flush") { flush(false); }
      });
    }
    var kept = sessionStorage.getItem(NOTICE_KEY);
    if (kept) { sessionStorage.removeItem(NOTICE_KEY); say(kept); }
    bannerEvents();
    visitForm();
    concernPageStatus();
    signOut();
    window.addEventListener("online", function () { flush(true); });
    window.addEventListener("offline", function () { say(T.offline); render(); });
    if (!USER) {
      // Signed out (or the session ended): nothing personal stays readable; the outbox waits for its owner.
      forgetPersonalData().catch(function () {});
      render();
      return;
    }
    getOne("meta", "concerns").then(function (meta) {
      if (meta && meta.user !== USER) { return forgetPersonalData(); }
    }).catch(function () {}).then(function () {
      render();
      flush(false);
      warmShell().catch(function () {});
      if (!document.getElementById("offline-concerns")) { refreshConcerns(false); }
      concernsPage();
    });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
