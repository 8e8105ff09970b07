import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import QRCode from 'qrcode';
import { cameraProblem, startCameraScanner, type CameraScanner } from './qr-scanner.js';

/**
 * The organiser's check-in page, made to keep working at a rural venue without network:
 * - it shows the session's code, changing every 30 seconds, derived on the device from the session's
 *   key (WebCrypto HMAC; see src/modules/activities/checkin-code.ts) with the clock corrected by the
 *   server's time at load, so participants can scan it with no connection on the organiser's side;
 * - it reads participants' 登録証 QR codes (camera, or a USB/Bluetooth scanner typing into the field),
 *   stores each scan in IndexedDB at once with its own id and time, and sends the queue whenever the
 *   network is there; the server records each id once, so a batch sent twice adds nothing;
 * - a service worker (checkin-sw.ts) keeps the page and this script for a reload without network.
 *
 * Markup contract (src/modules/activities/checkin.pages.tsx): `[data-checkin-organiser]` with
 * `data-lg-code`, `data-session-id`, `data-key`, `data-code-base`, `data-server-time`, `data-slot-seconds`,
 * `data-sync-url`, `data-sw-url`, `data-msg-*`; inside it `canvas[data-session-qr]`, `[data-qr-countdown]`,
 * `[data-qr-text]`, `form[data-scan-form]` with `input[name=scanned]`, `button[data-camera]`,
 * `video[data-camera-view]`, `[data-camera-status]`, `[data-network]`, `[data-queue-count]`,
 * `button[data-sync-now]`, `ol[data-results]`.
 */

interface QueuedScan {
  clientScanId: string;
  session: string;
  scanned: string;
  scannedAt: string;
}

interface ScanResult {
  clientScanId: string;
  session: string;
  at: string;
  ok: boolean;
  text: string;
}

interface CheckinDb extends DBSchema {
  queue: { key: string; value: QueuedScan; indexes: { bySession: string } };
  results: { key: string; value: ScanResult; indexes: { bySession: string } };
}

type Outcome =
  | {
      clientScanId: string;
      ok: true;
      result: 'recorded' | 'already_present';
      sharedName: string | null;
      activityDate: string;
    }
  | { clientScanId: string; ok: false; code: string; message: { ja: string; en: string } };

const resultsKept = 300;
const syncEveryMs = 20_000;

function base64UrlToBytes(value: string): Uint8Array<ArrayBuffer> {
  const base64 = value
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(value.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

function bytesToBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function newId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function csrfToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';
}

async function wake(root: HTMLElement): Promise<void> {
  const data = root.dataset;
  const lang = document.documentElement.lang === 'en' ? 'en' : 'ja';
  const session = `${data.lgCode}:${data.sessionId}`;
  const slotSeconds = Number(data.slotSeconds) || 30;
  const offsetMs = (Date.parse(data.serverTime ?? '') || Date.now()) - Date.now();
  const now = () => Date.now() + offsetMs;
  const message = (name: string) => data[`msg${name}`] ?? '';

  const canvas = root.querySelector<HTMLCanvasElement>('canvas[data-session-qr]');
  const countdown = root.querySelector<HTMLElement>('[data-qr-countdown]');
  const codeText = root.querySelector<HTMLInputElement | HTMLElement>('[data-qr-text]');
  const form = root.querySelector<HTMLFormElement>('form[data-scan-form]');
  const input = form?.querySelector<HTMLInputElement>('input[name="scanned"]');
  const cameraButton = root.querySelector<HTMLButtonElement>('button[data-camera]');
  const video = root.querySelector<HTMLVideoElement>('video[data-camera-view]');
  const cameraStatus = root.querySelector<HTMLElement>('[data-camera-status]');
  const network = root.querySelector<HTMLElement>('[data-network]');
  const queueCount = root.querySelector<HTMLElement>('[data-queue-count]');
  const syncNow = root.querySelector<HTMLButtonElement>('button[data-sync-now]');
  const results = root.querySelector<HTMLOListElement>('ol[data-results]');

  const db: IDBPDatabase<CheckinDb> = await openDB<CheckinDb>('furusato-checkin', 1, {
    upgrade(database) {
      database.createObjectStore('queue', { keyPath: 'clientScanId' }).createIndex('bySession', 'session');
      database.createObjectStore('results', { keyPath: 'clientScanId' }).createIndex('bySession', 'session');
    },
  });

  // The session's code, changing every slot.
  if (canvas && data.key && data.codeBase && crypto.subtle) {
    const key = await crypto.subtle.importKey(
      'raw',
      base64UrlToBytes(data.key),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    let shownSlot = -1;
    const draw = async () => {
      const slot = Math.floor(now() / 1000 / slotSeconds);
      if (slot !== shownSlot) {
        const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(String(slot))));
        const text = `${data.codeBase}${slot}.${bytesToBase64Url(mac.subarray(0, 16))}`;
        await QRCode.toCanvas(canvas, text, { errorCorrectionLevel: 'M', margin: 4, width: 320 });
        canvas.dataset.code = text;
        if (codeText) codeText.textContent = text;
        shownSlot = slot;
      }
      if (countdown) {
        const left = slotSeconds - Math.floor((now() / 1000) % slotSeconds);
        countdown.textContent = lang === 'ja' ? `あと${left}秒で切り替わります` : `Changes in ${left} s`;
      }
    };
    await draw();
    setInterval(() => void draw(), 1000);
  } else if (canvas) {
    canvas.hidden = true;
    if (countdown) countdown.textContent = message('NoCrypto');
  }

  const showNetwork = () => {
    if (!network) return;
    network.textContent = navigator.onLine ? message('Online') : message('Offline');
    network.dataset.state = navigator.onLine ? 'online' : 'offline';
  };

  const showQueue = async () => {
    const waiting = await db.countFromIndex('queue', 'bySession', session);
    if (queueCount) {
      queueCount.textContent =
        waiting === 0 ? message('QueueEmpty') : message('QueueWaiting').replace('{count}', String(waiting));
      queueCount.dataset.count = String(waiting);
    }
    if (syncNow) syncNow.hidden = waiting === 0;
  };

  const showResults = async () => {
    if (!results) return;
    const rows = (await db.getAllFromIndex('results', 'bySession', session)).sort((a, b) => b.at.localeCompare(a.at));
    const pending = (await db.getAllFromIndex('queue', 'bySession', session)).sort((a, b) =>
      b.scannedAt.localeCompare(a.scannedAt),
    );
    results.replaceChildren(
      ...pending.map((scan) => {
        const item = document.createElement('li');
        item.dataset.state = 'queued';
        item.textContent = `${new Date(scan.scannedAt).toLocaleTimeString(lang === 'ja' ? 'ja-JP' : 'en-GB')} ${message('Queued')}`;
        return item;
      }),
      ...rows.slice(0, 50).map((row) => {
        const item = document.createElement('li');
        item.dataset.state = row.ok ? 'ok' : 'refused';
        item.textContent = `${new Date(row.at).toLocaleTimeString(lang === 'ja' ? 'ja-JP' : 'en-GB')} ${row.text}`;
        return item;
      }),
    );
    for (const stale of rows.slice(resultsKept)) await db.delete('results', stale.clientScanId);
  };

  const describe = (outcome: Outcome): ScanResult => {
    const base = { clientScanId: outcome.clientScanId, session, at: new Date(now()).toISOString() };
    if (!outcome.ok) return { ...base, ok: false, text: `${message('Refused')}: ${outcome.message[lang]}` };
    const name = outcome.sharedName ?? message('NoName');
    return {
      ...base,
      ok: true,
      text: outcome.result === 'recorded' ? `${name} ${message('Recorded')}` : `${name} ${message('Already')}`,
    };
  };

  let syncing = false;
  const sync = async () => {
    if (syncing || !data.syncUrl) return;
    const waiting = await db.getAllFromIndex('queue', 'bySession', session);
    if (waiting.length === 0) return;
    syncing = true;
    // Only a batch the server answered lets the next one go at once; after a failure the queue waits for
    // the next tick, the network coming back or the button, so a bad connection is not hammered.
    let answered = false;
    try {
      const response = await fetch(data.syncUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrfToken() },
        body: JSON.stringify({
          scans: waiting
            .slice(0, 100)
            .map(({ clientScanId, scanned, scannedAt }) => ({ clientScanId, scanned, scannedAt })),
        }),
      });
      if (response.status === 401 || response.status === 403) {
        // Signed out, or the second factor is due again: the scans stay on the device until then.
        if (cameraStatus) cameraStatus.textContent = message('SignInAgain');
        return;
      }
      if (response.status === 400) {
        // The batch itself was refused (a scan the server cannot read at all): each scan in it is
        // answered as refused rather than blocking the queue for ever.
        const problem = (await response.json().catch(() => ({}))) as {
          localized?: Record<'ja' | 'en', { detail: string }>;
        };
        const detail = problem.localized?.[lang]?.detail ?? '';
        const tx = db.transaction(['queue', 'results'], 'readwrite');
        for (const scan of waiting.slice(0, 100)) {
          await tx.objectStore('results').put(
            describe({
              clientScanId: scan.clientScanId,
              ok: false,
              code: 'validation_failed',
              message: { ja: detail, en: detail },
            }),
          );
          await tx.objectStore('queue').delete(scan.clientScanId);
        }
        await tx.done;
        answered = true;
        return;
      }
      if (!response.ok) return;
      const body = (await response.json()) as { outcomes: Outcome[] };
      const tx = db.transaction(['queue', 'results'], 'readwrite');
      for (const outcome of body.outcomes) {
        await tx.objectStore('results').put(describe(outcome));
        await tx.objectStore('queue').delete(outcome.clientScanId);
      }
      await tx.done;
      answered = true;
    } catch {
      // No network: the queue stays and is sent later.
    } finally {
      syncing = false;
      showNetwork();
      await showQueue();
      await showResults();
    }
    if (answered && (await db.countFromIndex('queue', 'bySession', session)) > 0 && navigator.onLine) void sync();
  };

  const enqueue = async (scanned: string) => {
    const text = scanned.trim();
    if (!text || text.length > 2048) return;
    await db.put('queue', { clientScanId: newId(), session, scanned: text, scannedAt: new Date(now()).toISOString() });
    await showQueue();
    await showResults();
    void sync();
  };

  form?.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!input) return;
    const value = input.value;
    input.value = '';
    input.focus();
    void enqueue(value);
  });

  let scanner: CameraScanner | undefined;
  cameraButton?.addEventListener('click', async () => {
    if (!video) return;
    if (scanner) {
      scanner.stop();
      scanner = undefined;
      video.hidden = true;
      cameraButton.textContent = message('CameraStart');
      return;
    }
    try {
      video.hidden = false;
      scanner = await startCameraScanner({ video, onText: (text) => void enqueue(text) });
      cameraButton.textContent = message('CameraStop');
      if (cameraStatus) cameraStatus.textContent = message('CameraOn');
    } catch (error) {
      video.hidden = true;
      if (cameraStatus) cameraStatus.textContent = cameraProblem(error, lang);
    }
  });

  syncNow?.addEventListener('click', () => void sync());
  window.addEventListener('online', () => {
    showNetwork();
    void sync();
  });
  window.addEventListener('offline', showNetwork);
  setInterval(() => void sync(), syncEveryMs);

  if ('serviceWorker' in navigator && data.swUrl) {
    navigator.serviceWorker.register(data.swUrl, { scope: '/staff/' }).catch(() => {
      // Without the worker the page still works; it only cannot be reloaded offline.
    });
  }

  showNetwork();
  await showQueue();
  await showResults();
  root.dataset.ready = 'true';
  void sync();
}

for (const root of document.querySelectorAll<HTMLElement>('[data-checkin-organiser]')) void wake(root);
