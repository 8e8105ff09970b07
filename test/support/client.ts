import type { AppRouter } from '../../src/platform/http/app.js';

/**
 * A browser-like client over the in-process app: keeps cookies, sends the CSRF token with forms and
 * JSON like the site's pages and scripts do, and the Origin a browser would send.
 */
export class TestClient {
  readonly cookies = new Map<string, string>();

  constructor(
    private readonly app: AppRouter,
    private readonly origin = 'http://localhost:3000',
  ) {}

  get csrfToken(): string {
    const token = this.cookies.get('csrf');
    if (!token) throw new Error('no csrf cookie yet: GET a page first');
    return token;
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) {
      headers.set('Cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    }
    const response = await this.app.request(`${this.origin}${path}`, { ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(path, { headers });
  }

  /** Posts a form as a page would: the CSRF field is added unless `fields` sets `_csrf` itself. */
  async postForm(path: string, fields: Record<string, string> = {}): Promise<Response> {
    if (!this.cookies.has('csrf')) await this.get('/');
    const body = new URLSearchParams({ _csrf: this.csrfToken, ...fields });
    return this.request(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: this.origin },
      body,
    });
  }

  /** Sends JSON as the site's scripts would, with the CSRF header. */
  async sendJson(path: string, body: unknown, method = 'POST'): Promise<Response> {
    if (!this.cookies.has('csrf')) await this.get('/');
    return this.request(path, {
      method,
      headers: { 'Content-Type': 'application/json', Origin: this.origin, 'X-CSRF-Token': this.csrfToken },
      body: body === undefined ? null : JSON.stringify(body),
    });
  }
}
