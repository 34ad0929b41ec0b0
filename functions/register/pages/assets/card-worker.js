// Keeps the card page and what it needs, so that a reader who kept the card on this device can show it offline.
// The network comes first: a card renewed or replaced shows as soon as the device is online again.
"use strict";
const CACHE = "onecard-card-v1";
const FILES = ["/card", "/assets/site.css", "/assets/i18n.js", "/assets/common.js", "/assets/barcode.js",
               "/assets/library-card.js", "/assets/card.js", "/assets/icon.svg"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || !FILES.includes(url.pathname)) return;
  event.respondWith(fetch(event.request).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
    }
    return response;
  }).catch(() => caches.match(url.pathname)));
});
