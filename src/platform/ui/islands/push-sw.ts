/**
 * The service worker behind Web Push, served at /sw.js. Shows what the server pushed (see PushMessage in
 * src/modules/outreach/notifications.push.ts) and opens its page on a click, only ever on this site.
 * Typed by hand: the DOM and WebWorker libraries cannot both be in one TypeScript program.
 */

interface PushData {
  title?: unknown;
  body?: unknown;
  url?: unknown;
  tag?: unknown;
}

interface WindowClientLike {
  url: string;
  focus(): Promise<unknown>;
  navigate(url: string): Promise<unknown>;
}

interface WorkerScope {
  location: Location;
  registration: { showNotification(title: string, options: Record<string, unknown>): Promise<void> };
  clients: {
    matchAll(options: { type: 'window'; includeUncontrolled: boolean }): Promise<WindowClientLike[]>;
    openWindow(url: string): Promise<unknown>;
    claim(): Promise<void>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: string, listener: (event: WorkerEvent) => void): void;
}

interface WorkerEvent {
  data?: { json(): unknown; text(): string };
  notification?: { data?: { url?: string }; close(): void };
  waitUntil(promise: Promise<unknown>): void;
}

const worker = self as unknown as WorkerScope;

function sameSiteUrl(value: unknown): string {
  try {
    const url = new URL(typeof value === 'string' ? value : '/my/notifications', worker.location.origin);
    return url.origin === worker.location.origin ? url.href : `${worker.location.origin}/my/notifications`;
  } catch {
    return `${worker.location.origin}/my/notifications`;
  }
}

worker.addEventListener('install', (event) => event.waitUntil(worker.skipWaiting()));
worker.addEventListener('activate', (event) => event.waitUntil(worker.clients.claim()));

worker.addEventListener('push', (event) => {
  let data: PushData = {};
  try {
    data = (event.data?.json() ?? {}) as PushData;
  } catch {
    data = { body: event.data?.text() };
  }
  const title = typeof data.title === 'string' ? data.title : 'ふるさと住民登録';
  event.waitUntil(
    worker.registration.showNotification(title, {
      body: typeof data.body === 'string' ? data.body : '',
      tag: typeof data.tag === 'string' ? data.tag : undefined,
      data: { url: sameSiteUrl(data.url) },
      lang: 'ja',
    }),
  );
});

worker.addEventListener('notificationclick', (event) => {
  event.notification?.close();
  const url = sameSiteUrl(event.notification?.data?.url);
  event.waitUntil(
    worker.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(async (windows) => {
      const open = windows.find((client) => client.url.startsWith(worker.location.origin));
      if (open) {
        await open.navigate(url);
        return open.focus();
      }
      return worker.clients.openWindow(url);
    }),
  );
});
