import { cameraProblem, startCameraScanner, type CameraScanner } from './qr-scanner.js';

/**
 * The participant's check-in: the phone's camera reads the code on the organiser's screen and the
 * check-in is sent at once (the code lives about a minute). Without this script the page still explains
 * how to check in with the phone's own camera app, which opens the same code as a link.
 *
 * Markup contract (src/modules/activities/checkin.pages.tsx): `[data-checkin-participant]` with
 * `data-checkin-url`, optional `data-session-id`, `data-msg-*`; inside it `button[data-camera]`,
 * `video[data-camera-view]`, `[data-camera-status]`, `[data-checkin-result]`.
 */

interface CheckInAnswer {
  result?: 'recorded' | 'already_present';
  projectTitle?: string;
  activityDate?: string;
  designated?: boolean;
  detail?: string;
}

function csrfToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';
}

/** Exposed for browser tests that feed a decoded text instead of a camera picture. */
export type ScanHandler = (text: string) => Promise<void>;

function wake(root: HTMLElement): void {
  const data = root.dataset;
  const lang = document.documentElement.lang === 'en' ? 'en' : 'ja';
  const message = (name: string) => data[`msg${name}`] ?? '';
  const button = root.querySelector<HTMLButtonElement>('button[data-camera]');
  const video = root.querySelector<HTMLVideoElement>('video[data-camera-view]');
  const status = root.querySelector<HTMLElement>('[data-camera-status]');
  const result = root.querySelector<HTMLElement>('[data-checkin-result]');
  let scanner: CameraScanner | undefined;
  let sending = false;

  const show = (kind: 'ok' | 'error', text: string) => {
    if (!result) return;
    result.hidden = false;
    result.dataset.state = kind;
    result.className = `notice notice--${kind === 'ok' ? 'success' : 'error'}`;
    result.setAttribute('role', kind === 'ok' ? 'status' : 'alert');
    result.textContent = text;
  };

  const stopCamera = () => {
    scanner?.stop();
    scanner = undefined;
    if (video) video.hidden = true;
    if (button) button.textContent = message('CameraStart');
  };

  const handle: ScanHandler = async (text) => {
    if (sending || !data.checkinUrl) return;
    sending = true;
    try {
      const response = await fetch(data.checkinUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrfToken() },
        body: JSON.stringify({ code: text, ...(data.sessionId ? { sessionId: data.sessionId } : {}) }),
      });
      const answer = (await response.json().catch(() => ({}))) as CheckInAnswer;
      if (response.status === 401) {
        show('error', message('SignIn'));
        return;
      }
      if (!response.ok || !answer.result) {
        show('error', answer.detail ?? message('Failed'));
        return;
      }
      stopCamera();
      const what = `${answer.projectTitle ?? ''}（${answer.activityDate ?? ''}）`;
      show(
        'ok',
        `${answer.result === 'recorded' ? message('Recorded') : message('Already')} ${what}` +
          (answer.designated ? ` ${message('Designated')}` : ''),
      );
    } catch {
      show('error', message('Offline'));
    } finally {
      sending = false;
    }
  };
  (root as HTMLElement & { checkinScan?: ScanHandler }).checkinScan = handle;

  button?.addEventListener('click', async () => {
    if (!video) return;
    if (scanner) {
      stopCamera();
      return;
    }
    try {
      video.hidden = false;
      scanner = await startCameraScanner({ video, onText: (text) => void handle(text) });
      button.textContent = message('CameraStop');
      if (status) status.textContent = message('CameraOn');
    } catch (error) {
      video.hidden = true;
      if (status) status.textContent = cameraProblem(error, lang);
    }
  });
  if (button) button.hidden = false;
  root.dataset.ready = 'true';
}

for (const root of document.querySelectorAll<HTMLElement>('[data-checkin-participant]')) wake(root);
