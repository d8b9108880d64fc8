// The phone scanner's service worker (issue 24), served as /scan/sw.js (scope /scan/): the page,
// its scripts, its stylesheet and the decoder open again without the network (a phone reloaded
// or reopened during a network cut). Network first (a newer version is picked up at once), the
// cached copy when the server cannot be reached within 3 s. The API is never touched here: the
// data lives in IndexedDB (scan_store.js), and scans go to the server or to the queue.
const CACHE = "ek-scan-v1";
const PAGE = "/scan/";
const PRECACHE = [
  PAGE,
  "/static/css/scan.css",
  "/static/js/scan.js",
  "/static/js/scan_store.js",
  "/static/js/scan_verify.js",
  "/static/js/scan_rules.js",
  "/static/js/scan_texts.js",
  "/static/js/decoder.js",
  "/vendor/zxing-wasm/dist/es/reader/index.js",
  "/vendor/zxing-wasm/dist/es/share.js",
  "/vendor/zxing-wasm/dist/reader/zxing_reader.wasm",
  "/vendor/@noble/ed25519/index.js",
];
const NETWORK_MS = 3000;

self.addEventListener("install", (event) => {
  // each file on its own: one missing file does not stop the others from being kept
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => Promise.all(PRECACHE.map((url) => cache.add(url).catch(() => null))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

function kept(url) {
  if (url.origin !== self.location.origin) return false;
  return url.pathname === PAGE || url.pathname.startsWith("/static/") || url.pathname.startsWith("/vendor/");
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  const key = new URL(request.url).pathname;
  try {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), NETWORK_MS);
    const resp = await fetch(request, { signal: ctl.signal }).finally(() => clearTimeout(timer));
    if (resp.ok) await cache.put(key, resp.clone());
    return resp;
  } catch (exc) {
    const copy = await cache.match(key);
    if (copy) return copy;
    throw exc;
  }
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || !kept(url)) return; // the API and everything else: untouched
  event.respondWith(networkFirst(event.request));
});
