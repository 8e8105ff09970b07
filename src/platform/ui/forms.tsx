import type { Child } from 'hono/jsx';
import { csrfFieldName } from '../http/csrf.js';
import type { PageContext } from './layout.js';

/**
 * A POST form that carries the CSRF token. Every state-changing form on the site is one of these, so a
 * form cannot forget it.
 */
export function PostForm(props: { page: PageContext; action: string; class?: string; children: Child }) {
  return (
    <form method="post" action={props.action} class={props.class}>
      <input type="hidden" name={csrfFieldName} value={props.page.csrfToken} />
      {props.children}
    </form>
  );
}

/** A message to a person after an action or about a refusal; `role=alert` for errors so it is announced. */
export function Notice(props: { kind: 'error' | 'success' | 'info'; children: Child }) {
  return (
    <div class={`notice notice--${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </div>
  );
}
