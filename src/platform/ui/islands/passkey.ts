/**
 * Passkey island: wakes up the server-rendered passkey controls. Without JavaScript, or in a browser
 * without WebAuthn, they stay hidden and the e-mail sign-in works as before.
 *
 * Markup contract (rendered by src/modules/identity/passkeys.pages.tsx):
 * - `[data-passkey="sign-in"]`: a button signs in with any passkey; `data-next` is where to go after.
 * - `[data-passkey="register"]`: a form (optional `label` field) adds a passkey; `data-next` likewise.
 * - `[data-passkey="second-factor"]`: a button proves a second factor in the current session.
 * Each holds a `[data-passkey-error]` region and localised messages in `data-msg-*` attributes; the
 * server's own refusals arrive as problem documents already in the page's language.
 */
import {
  browserSupportsWebAuthn,
  startAuthentication,
  startRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';

class ProblemError extends Error {}

function csrfToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';
}

async function postJson<T>(path: string, body: unknown = {}): Promise<T> {
  const response = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrfToken() },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as { detail?: unknown };
    throw new ProblemError(typeof problem.detail === 'string' ? problem.detail : '');
  }
  return (await response.json()) as T;
}

/** A same-site path only: the attribute comes from our own page, but a wrong value must not send anyone away. */
function nextPath(root: HTMLElement, fallback: string): string {
  const next = root.dataset.next ?? '';
  return /^\/(?![/\\])/.test(next) ? next : fallback;
}

function showError(root: HTMLElement, message: string): void {
  const region = root.querySelector<HTMLElement>('[data-passkey-error]');
  if (!region) return;
  region.textContent = message;
  region.hidden = false;
}

function messageFor(root: HTMLElement, error: unknown): string {
  const messages = root.dataset;
  if (error instanceof ProblemError && error.message) return error.message;
  const name = error instanceof Error ? error.name : '';
  const code = error instanceof Error && 'code' in error ? String(error.code) : '';
  if (code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED') return messages.msgDuplicate ?? '';
  if (name === 'NotAllowedError' || name === 'AbortError') return messages.msgCancelled ?? '';
  return messages.msgFailed ?? '';
}

/** Runs one ceremony with the control disabled, so a double click does not start two. */
async function run(root: HTMLElement, control: HTMLButtonElement, ceremony: () => Promise<string>): Promise<void> {
  const region = root.querySelector<HTMLElement>('[data-passkey-error]');
  if (region) region.hidden = true;
  control.disabled = true;
  root.setAttribute('aria-busy', 'true');
  try {
    window.location.assign(await ceremony());
  } catch (error) {
    showError(root, messageFor(root, error));
    control.disabled = false;
  } finally {
    root.removeAttribute('aria-busy');
  }
}

async function authenticate(api: string): Promise<void> {
  const optionsJSON = await postJson<PublicKeyCredentialRequestOptionsJSON>(`${api}/options`);
  const credential = await startAuthentication({ optionsJSON });
  await postJson(`${api}/verify`, { credential });
}

function wireButton(root: HTMLElement, api: string): void {
  const button = root.querySelector<HTMLButtonElement>('button');
  if (!button) return;
  button.addEventListener('click', () => {
    void run(root, button, async () => {
      await authenticate(api);
      return nextPath(root, '/account');
    });
  });
  root.hidden = false;
}

function wireRegistration(root: HTMLElement): void {
  const form = root.querySelector<HTMLFormElement>('form');
  const button = form?.querySelector<HTMLButtonElement>('button[type="submit"]');
  if (!form || !button) return;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const label = new FormData(form).get('label');
    void run(root, button, async () => {
      const optionsJSON = await postJson<PublicKeyCredentialCreationOptionsJSON>(
        '/api/v1/passkeys/registration/options',
      );
      const credential = await startRegistration({ optionsJSON });
      await postJson('/api/v1/passkeys/registration/verify', {
        credential,
        label: typeof label === 'string' ? label : '',
      });
      return nextPath(root, '/account');
    });
  });
  root.hidden = false;
}

function start(): void {
  const roots = document.querySelectorAll<HTMLElement>('[data-passkey]');
  if (!browserSupportsWebAuthn()) {
    // Say so where a person came to add a passkey; on the sign-in page the e-mail form is enough.
    for (const root of roots) {
      const unsupported = root.dataset.msgUnsupported;
      if (root.dataset.passkey !== 'register' || !unsupported) continue;
      const note = document.createElement('p');
      note.className = 'muted';
      note.textContent = unsupported;
      root.replaceWith(note);
    }
    return;
  }
  for (const root of roots) {
    if (root.dataset.passkey === 'sign-in') wireButton(root, '/api/v1/passkeys/authentication');
    else if (root.dataset.passkey === 'second-factor') wireButton(root, '/api/v1/passkeys/second-factor');
    else if (root.dataset.passkey === 'register') wireRegistration(root);
  }
}

start();
