// The service worker (served at /sw.js by tracker/offline/routes.py, which fills in SETTINGS): it keeps the
// app shell so that the visit form and my concerns open with no signal.
//
// - The app's own files (CSS, JS, icons): cache-first. SETTINGS.version is a hash of them, so a new file
//   makes a new worker, which fetches them all again and drops the old copies.
// - Pages: network-first; the copy kept from the last visit is used when there is no network.
// - It NEVER sends a POST or replays anything: only GET requests are looked at. Sending is the page's job
//   (static/js/offline.js); a Background Sync event only asks the open pages to send.
"use strict";

var SETTINGS = /*SETTINGS*/{};
var STATIC = "tracker-static-" + SETTINGS.version;
var PAGES = "tracker-pages";
var NETWORK_WAIT_MS = 8000; // a page that does not answer in this time on a weak signal: the kept copy is shown

self.addEventListener("install", function (event) {
  event.waitUntil((async function () {
    var cache = await caches.open(STATIC);
    // File by file: one that cannot be fetched now is fetched when first asked for, and the rest still works.
    await Promise.all(SETTINGS.static.map(function (url) {
      return cache.add(url).catch(function () { /* fetched later */ });
    }));
    // The pages are kept by the signed-in page itself (offline.js), never fetched from here: a request made
    // while the official signs in could bring back the session cookie of before.
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", function (event) {
  event.waitUntil((async function () {
    var names = await caches.keys();
    await Promise.all(names.filter(function (name) {
      return name.indexOf("tracker-static-") === 0 && name !== STATIC;
    }).map(function (name) { return caches.delete(name); }));
    await self.clients.claim();
  })());
});

// A page worth keeping: a signed-in official's page (the server marks them), not a redirect (to the sign-in
// page, say). The sign-in page and the public look-up are never kept.
function isPage(response) {
  return response && response.ok && !response.redirected && response.type === "basic" &&
    response.headers.get("X-Keep-Offline") === "1";
}

function withoutHash(url) {
  var u = new URL(url);
  u.hash = "";
  return u.href;
}

async function staticFile(request) {
  var cached = await caches.match(request, { cacheName: STATIC });
  if (cached) { return cached; }
  var response = await fetch(request);
  if (response.ok) {
    var cache = await caches.open(STATIC);
    await cache.put(request, response.clone());
  }
  return response;
}

async function page(request) {
  var url = new URL(request.url);
  var key = withoutHash(request.url);
  var network = fetch(request).then(async function (response) {
    if (isPage(response)) {
      var cache = await caches.open(PAGES);
      await cache.put(key, response.clone());
    }
    return response;
  });
  network.catch(function () { /* answered below */ });
  var cached = await caches.match(key, { cacheName: PAGES });
  if (!cached && url.pathname === SETTINGS.offlinePage) {
    cached = await caches.match(SETTINGS.offlinePage, { cacheName: PAGES, ignoreSearch: true });
  }
  try {
    if (!cached) { return await network; }
    // A kept copy exists: wait for the network only so long.
    return await Promise.race([network, new Promise(function (resolve, reject) {
      setTimeout(function () { reject(new Error("slow")); }, NETWORK_WAIT_MS);
    })]);
  } catch (e) {
    if (cached) { return cached; }
    var path = url.pathname;
    if (path === SETTINGS.offlinePage) { return Response.error(); }
    var fallback = SETTINGS.offlinePage;
    if (path !== SETTINGS.myConcerns) { fallback += "?missed=1"; }
    if (path.indexOf(SETTINGS.concernPrefix) === 0 && /\/\d+$/.test(path)) {
      fallback += "#concern-" + path.split("/").pop();
    }
    if (await caches.match(SETTINGS.offlinePage, { cacheName: PAGES })) {
      return Response.redirect(fallback, 303);
    }
    return Response.error();
  }
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; } // never a POST: the browser sends it, or fails, as it would
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) { return; }
  if (url.pathname.indexOf(SETTINGS.staticPrefix) === 0) {
    event.respondWith(staticFile(request));
  } else if (request.mode === "navigate") {
    event.respondWith(page(request));
  }
});

// Background Sync where the browser has it (Chromium): only a nudge to the open pages, which send.
self.addEventListener("sync", function (event) {
  if (event.tag !== "outbox") { return; }
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (clients) {
    clients.forEach(function (client) { client.postMessage({ type: "flush" }); });
  }));
});
