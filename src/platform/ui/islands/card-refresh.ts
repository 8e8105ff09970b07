/**
 * Card refresh island: keeps the registration card's QR code fresh while the page is open. Card tokens
 * live 5 minutes; a minute before the shown one expires (or as soon as a phone wakes up past that point)
 * the island fetches a new token and QR code and swaps them in. Without JavaScript the page's
 * 「QRコードを更新」 link does the same by reloading the page.
 *
 * Markup contract (rendered by src/modules/registrations/card.pages.tsx):
 * - `[data-card-refresh]`: `data-refresh-url` (the card-token API), `data-expires-at` (ISO time),
 *   `data-verify-url` (what the QR code holds), localised `data-msg-failed` and `data-msg-ended`;
 * - inside it `img[data-card-qr]`, `time[data-card-expiry]` and a hidden `[data-card-status]` region.
 */

interface CardToken {
  verifyUrl: string;
  expiresAt: string;
  qrCodeDataUri: string;
}

const refreshBeforeExpiryMs = 60_000;
const retryAfterFailureMs = 30_000;

function expiryText(date: Date): string {
  const locale = document.documentElement.lang === 'en' ? 'en-GB' : 'ja-JP';
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', timeZone: 'Asia/Tokyo' }).format(date);
}

function isCardToken(value: unknown): value is CardToken {
  if (typeof value !== 'object' || value === null) return false;
  const token = value as Record<string, unknown>;
  return (
    typeof token.verifyUrl === 'string' &&
    typeof token.expiresAt === 'string' &&
    typeof token.qrCodeDataUri === 'string' &&
    token.qrCodeDataUri.startsWith('data:image/svg+xml;base64,')
  );
}

function wake(root: HTMLElement): void {
  const url = root.dataset.refreshUrl;
  const image = root.querySelector<HTMLImageElement>('img[data-card-qr]');
  const time = root.querySelector<HTMLTimeElement>('time[data-card-expiry]');
  const status = root.querySelector<HTMLElement>('[data-card-status]');
  if (!url || !image || !time || !status) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight = false;
  let stopped = false;

  const expiresAt = () => Date.parse(root.dataset.expiresAt ?? '') || 0;

  const say = (message: string | undefined) => {
    status.textContent = message ?? '';
    status.hidden = !message;
  };

  // A code past its time would only earn the holder an "expired" at the counter: show it as spent.
  const markExpired = () => {
    if (Date.now() >= expiresAt()) root.setAttribute('data-expired', '');
  };

  const schedule = (delayMs: number) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => void refresh(), Math.max(0, delayMs));
  };

  const refresh = async () => {
    if (inFlight || stopped) return;
    inFlight = true;
    try {
      const response = await fetch(url, {
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { Accept: 'application/json' },
      });
      if (response.status === 401 || response.status === 404) {
        // Signed out elsewhere, or the registration ended: a new code will not come, so stop asking.
        stopped = true;
        root.setAttribute('data-expired', '');
        say(root.dataset.msgEnded);
        return;
      }
      const body: unknown = response.ok ? await response.json() : undefined;
      if (!isCardToken(body)) throw new Error(`card token refresh failed: ${response.status}`);
      image.src = body.qrCodeDataUri;
      time.dateTime = body.expiresAt;
      time.textContent = expiryText(new Date(body.expiresAt));
      root.dataset.expiresAt = body.expiresAt;
      root.dataset.verifyUrl = body.verifyUrl;
      root.removeAttribute('data-expired');
      say(undefined);
      schedule(expiresAt() - Date.now() - refreshBeforeExpiryMs);
    } catch {
      markExpired();
      say(root.dataset.msgFailed);
      schedule(retryAfterFailureMs);
    } finally {
      inFlight = false;
    }
  };

  // Timers sleep with a locked phone or a background tab; catch up as soon as the card is seen again.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && Date.now() >= expiresAt() - refreshBeforeExpiryMs) void refresh();
  });
  schedule(expiresAt() - Date.now() - refreshBeforeExpiryMs);
}

for (const root of document.querySelectorAll<HTMLElement>('[data-card-refresh]')) wake(root);
