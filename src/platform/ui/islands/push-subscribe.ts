/**
 * Push subscribe island: on the notification settings page, turns Web Push on or off for this browser.
 * Registers the service worker (/sw.js), asks the browser for permission only when the person presses
 * the button, subscribes with the site's VAPID key and sends the subscription to the API.
 *
 * Markup contract (src/modules/outreach/notifications.pages.tsx): `[data-push-subscribe]` with
 * `data-vapid-key` and localised `data-msg-*`; inside it `[data-push-status]`, `button[data-push-on]`
 * and `button[data-push-off]`.
 */

function csrfToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(base64url.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

async function send(method: 'POST' | 'DELETE', body: unknown): Promise<boolean> {
  const response = await fetch('/api/v1/me/push-subscriptions', {
    method,
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken() },
    credentials: 'same-origin',
    body: JSON.stringify(body),
  });
  return response.ok || (method === 'DELETE' && response.status === 404);
}

async function setUp(root: HTMLElement): Promise<void> {
  const status = root.querySelector<HTMLElement>('[data-push-status]');
  const on = root.querySelector<HTMLButtonElement>('button[data-push-on]');
  const off = root.querySelector<HTMLButtonElement>('button[data-push-off]');
  const key = root.dataset.vapidKey;
  if (!status || !on || !off || !key) return;
  const say = (name: string) => {
    status.textContent = root.dataset[name] ?? '';
  };
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    say('msgUnsupported');
    return;
  }
  const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  const show = async () => {
    const subscription = await registration.pushManager.getSubscription();
    on.hidden = subscription !== null;
    off.hidden = subscription === null;
    if (Notification.permission === 'denied') say('msgDenied');
    else say(subscription ? 'msgOn' : 'msgOff');
  };
  on.addEventListener('click', async () => {
    on.disabled = true;
    try {
      if ((await Notification.requestPermission()) !== 'granted') {
        say('msgDenied');
        return;
      }
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(key),
      });
      if (!(await send('POST', subscription.toJSON()))) {
        await subscription.unsubscribe();
        say('msgFailed');
        return;
      }
      await show();
    } catch {
      say('msgFailed');
    } finally {
      on.disabled = false;
    }
  });
  off.addEventListener('click', async () => {
    off.disabled = true;
    try {
      const subscription = await registration.pushManager.getSubscription();
      if (subscription) {
        await send('DELETE', { endpoint: subscription.endpoint });
        await subscription.unsubscribe();
      }
      await show();
    } catch {
      say('msgFailed');
    } finally {
      off.disabled = false;
    }
  });
  await show();
}

for (const root of document.querySelectorAll<HTMLElement>('[data-push-subscribe]')) {
  setUp(root).catch(() => {
    const status = root.querySelector<HTMLElement>('[data-push-status]');
    if (status) status.textContent = root.dataset.msgFailed ?? '';
  });
}
