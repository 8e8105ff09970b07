/**
 * Service worker of the organiser's check-in page (scope /staff/), so that the page opens again at a
 * venue without network: the check-in pages are fetched from the network when it answers within a few
 * seconds and kept, and served from the cache when it does not; their stylesheets and script likewise.
 * Every other staff page and every API call passes straight through: nothing else is kept on the device.
 * The scans themselves wait in IndexedDB (checkin-organiser.ts), not here.
 */

// The worker's own types, declared here: the project compiles against the DOM library, not WebWorker.
interface ExtendableEventLike extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEventLike extends ExtendableEventLike {
  request: Request;
  respondWith(response: Promise<Response> | Response): void;
}
interface WorkerScope {
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEventLike) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEventLike) => void): void;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  location: Location;
}
const worker = self as unknown as WorkerScope;

const cacheName = 'furusato-checkin-v1';
const checkinPage = /^\/staff\/\d{6}\/sessions\/[0-9a-f-]{36}\/check-in$/;
const keptAssets = ['/assets/tokens.css', '/assets/app.css', '/assets/checkin-organiser.js'];
/** A weak rural connection gets this long before the kept copy is shown. */
const networkWaitMs = 4000;

function fromNetwork(request: Request): Promise<Response> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('network too slow')), networkWaitMs);
    fetch(request).then(
      (response) => {
        clearTimeout(timer);
        resolve(response);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error('network error'));
      },
    );
  });
}

async function networkFirst(request: Request, key: string): Promise<Response> {
  const cache = await caches.open(cacheName);
  try {
    const response = await fromNetwork(request);
    // Only a page that really is the check-in page is kept (not a sign-in redirect or an error).
    if (response.ok && !response.redirected) await cache.put(key, response.clone());
    return response;
  } catch {
    const kept = await cache.match(key);
    if (kept) return kept;
    return new Response(
      '<!DOCTYPE html><html lang="ja"><meta charset="utf-8"><title>オフライン</title>' +
        '<p>ネットワークに接続できません。この受付画面は、一度ネットワークのある所で開いておくと、オフラインでも開けます。</p>' +
        '<p lang="en">No network. Open this check-in page once while online; it then opens offline too.</p></html>',
      { status: 503, headers: { 'Content-Type': 'text/html; charset=utf-8' } },
    );
  }
}

worker.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(cacheName)
      .then((cache) => cache.addAll(keptAssets))
      .then(() => worker.skipWaiting()),
  );
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name !== cacheName && name.startsWith('furusato-checkin'))
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => worker.clients.claim()),
  );
});

worker.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== worker.location.origin) return;
  if (checkinPage.test(url.pathname)) {
    // One copy per session page, whatever its query (?lang=…).
    event.respondWith(networkFirst(request, url.pathname));
  } else if (keptAssets.includes(url.pathname)) {
    event.respondWith(networkFirst(request, url.pathname));
  }
});
