import { ZodError } from 'zod';

/**
 * Typed application errors. Services throw `AppError(code)`; the HTTP layer maps the code to a
 * status and to an RFC 9457 problem document, in Japanese and English, in exactly one place.
 */
export const problemCatalog = {
  validation_failed: {
    status: 400,
    ja: { title: '入力内容に誤りがあります', detail: '入力内容を確認してください。' },
    en: { title: 'Invalid input', detail: 'Please check the input.' },
  },
  unauthenticated: {
    status: 401,
    ja: { title: 'ログインが必要です', detail: 'ログインしてから、もう一度お試しください。' },
    en: { title: 'Sign-in required', detail: 'Please sign in and try again.' },
  },
  forbidden: {
    status: 403,
    ja: { title: 'この操作は許可されていません', detail: 'この操作を行う権限がありません。' },
    en: { title: 'Not allowed', detail: 'You are not allowed to do this.' },
  },
  csrf_rejected: {
    status: 403,
    ja: { title: '送信元を確認できませんでした', detail: 'ページを読み込み直してから、もう一度送信してください。' },
    en: { title: 'Request origin not verified', detail: 'Reload the page and submit again.' },
  },
  not_found: {
    status: 404,
    ja: { title: '見つかりません', detail: 'お探しのものは見つかりませんでした。' },
    en: { title: 'Not found', detail: 'What you are looking for was not found.' },
  },
  municipality_not_found: {
    status: 404,
    ja: { title: '自治体が見つかりません', detail: '指定された全国地方公共団体コードの自治体はありません。' },
    en: { title: 'Local government not found', detail: 'No local government has this code.' },
  },
  tenant_not_found: {
    status: 404,
    ja: { title: '参加自治体が見つかりません', detail: 'この自治体はまだ参加していません。' },
    en: { title: 'Participating government not found', detail: 'This local government has not joined.' },
  },
  conflict: {
    status: 409,
    ja: { title: '他の変更と競合しました', detail: '最新の状態を読み込み直してから、もう一度お試しください。' },
    en: { title: 'Conflict', detail: 'Reload the latest state and try again.' },
  },
  tenant_already_joined: {
    status: 409,
    ja: { title: 'すでに参加しています', detail: 'この自治体はすでに参加しています。' },
    en: { title: 'Already joined', detail: 'This local government has already joined.' },
  },
  method_not_allowed: {
    status: 405,
    ja: { title: 'この方法では利用できません', detail: 'このURLはこのHTTPメソッドに対応していません。' },
    en: { title: 'Method not allowed', detail: 'This URL does not support this HTTP method.' },
  },
  payload_too_large: {
    status: 413,
    ja: { title: '送信データが大きすぎます', detail: '送信できるデータの大きさを超えています。' },
    en: { title: 'Payload too large', detail: 'The request body is too large.' },
  },
  rate_limited: {
    status: 429,
    ja: { title: '操作が多すぎます', detail: 'しばらく待ってから、もう一度お試しください。' },
    en: { title: 'Too many requests', detail: 'Please wait a moment and try again.' },
  },
  internal_error: {
    status: 500,
    ja: { title: 'システムエラーが発生しました', detail: '時間をおいて、もう一度お試しください。' },
    en: { title: 'Internal error', detail: 'Something went wrong. Please try again later.' },
  },
  service_unavailable: {
    status: 503,
    ja: {
      title: 'ただいま利用できません',
      detail: 'データベースに接続できません。しばらく待ってから、もう一度お試しください。',
    },
    en: { title: 'Service unavailable', detail: 'The database cannot be reached. Please try again shortly.' },
  },
} as const satisfies Record<
  string,
  { status: number; ja: { title: string; detail: string }; en: { title: string; detail: string } }
>;

export type ErrorCode = keyof typeof problemCatalog;

/** One field that failed validation; `field` is the name a client sent (e.g. `lgCode`). */
export interface FieldError {
  field: string;
  in: 'path' | 'query' | 'body' | 'header' | 'form';
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly fieldErrors: FieldError[];
  /** Replaces the catalog's generic detail when the situation is more specific. */
  readonly detail?: { ja: string; en: string };

  constructor(
    code: ErrorCode,
    options: { detail?: { ja: string; en: string }; fieldErrors?: FieldError[]; cause?: unknown } = {},
  ) {
    super(options.detail?.en ?? problemCatalog[code].en.detail, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.fieldErrors = options.fieldErrors ?? [];
    if (options.detail) this.detail = options.detail;
  }

  get status(): number {
    return problemCatalog[this.code].status;
  }
}

const unavailableSqlStates = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300']);
const unavailableSystemCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

/** True for errors that mean "the database is not reachable right now" rather than a bug. */
export function isDatabaseUnavailableError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string' && (unavailableSqlStates.has(code) || unavailableSystemCodes.has(code))) return true;
    if (
      /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|PGlite is closed|driver has already been destroyed|Cannot use a pool after calling end/i.test(
        current.message,
      )
    ) {
      return true;
    }
    if (current instanceof AggregateError && current.errors.some((inner) => isDatabaseUnavailableError(inner)))
      return true;
    current = current.cause;
  }
  return false;
}

/** Normalises anything thrown into an `AppError` for the HTTP layer. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  // Services validate their input with zod: a failure there is the caller's bad input, not a bug.
  if (error instanceof ZodError) {
    const fieldErrors = error.issues.map((issue) => ({
      field: issue.path.map(String).join('.') || 'body',
      in: 'body' as const,
      message: issue.message,
    }));
    const names = [...new Set(fieldErrors.map((field) => field.field))].join(', ');
    return new AppError('validation_failed', {
      fieldErrors,
      detail: { ja: `${names} の値が正しくありません。`, en: `Invalid value for ${names}.` },
      cause: error,
    });
  }
  if (isDatabaseUnavailableError(error)) return new AppError('service_unavailable', { cause: error });
  return new AppError('internal_error', { cause: error });
}
