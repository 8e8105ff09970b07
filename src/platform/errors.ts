import { ZodError } from 'zod';
import { activitiesProblems } from './errors.activities.js';
import { outreachProblems } from './errors.outreach.js';
import { outreachRoomsProblems } from './errors.outreach-b.js';
import { insightsProblems } from './errors.insights.js';

/** One entry of the catalog: the HTTP status and the title and default detail in both languages. */
export type ProblemEntry = {
  status: number;
  ja: { title: string; detail: string };
  en: { title: string; detail: string };
};

/**
 * Typed application errors. Services throw `AppError(code)`; the HTTP layer maps the code to a
 * status and to an RFC 9457 problem document, in Japanese and English, in exactly one place. Areas
 * added after the first modules keep their entries in `errors.<area>.ts`, spread in here.
 */
export const problemCatalog = {
  ...activitiesProblems,
  ...outreachProblems,
  ...outreachRoomsProblems,
  ...insightsProblems,
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
  second_factor_required: {
    status: 403,
    ja: {
      title: '二段階認証が必要です',
      detail: '職員用の機能を使うには、認証アプリの確認コードなどによる二段階認証を行ってください。',
    },
    en: {
      title: 'Second factor required',
      detail: 'Staff functions need a second factor: confirm with a code from your authenticator app.',
    },
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
  staff_already_member: {
    status: 409,
    ja: { title: 'すでに職員です', detail: 'この方はすでにこの自治体の職員として登録されています。' },
    en: { title: 'Already a member', detail: 'This person is already a staff member of this local government.' },
  },
  invitation_not_usable: {
    status: 409,
    ja: { title: '招待を使えません', detail: 'この招待は使えません。招待した方に、もう一度招待を依頼してください。' },
    en: { title: 'Invitation not usable', detail: 'This invitation cannot be used. Please ask for a new one.' },
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
  passkey_challenge_invalid: {
    status: 400,
    ja: {
      title: 'パスキーの確認をやり直してください',
      detail: '確認の有効期限（5分）が切れたか、すでに使われています。もう一度お試しください。',
    },
    en: {
      title: 'Please try the passkey again',
      detail: 'This passkey check has expired (5 minutes) or was already used. Please try again.',
    },
  },
  passkey_rejected: {
    status: 400,
    ja: {
      title: 'パスキーを確認できませんでした',
      detail: 'パスキーを確認できませんでした。もう一度お試しいただくか、メールでログインしてください。',
    },
    en: {
      title: 'Passkey not accepted',
      detail: 'The passkey could not be verified. Please try again, or sign in by e-mail.',
    },
  },
  passkey_already_registered: {
    status: 409,
    ja: { title: 'このパスキーは登録済みです', detail: 'このパスキーはすでに登録されています。' },
    en: { title: 'Passkey already registered', detail: 'This passkey is already registered.' },
  },
  verification_unavailable: {
    status: 503,
    ja: {
      title: '本人確認を利用できません',
      detail:
        'デジタル認証アプリ（マイナンバーカードによる本人確認）に接続できません。しばらく待ってから、もう一度お試しください。',
    },
    en: {
      title: 'Identity verification unavailable',
      detail: 'The digital authentication app (My Number card) cannot be reached. Please try again shortly.',
    },
  },
  verification_cancelled: {
    status: 400,
    ja: {
      title: '本人確認を中止しました',
      detail: '本人確認は完了していません。必要なときに、もう一度お試しください。',
    },
    en: {
      title: 'Verification cancelled',
      detail: 'Your identity was not verified. You can try again whenever you need to.',
    },
  },
  verification_state_invalid: {
    status: 400,
    ja: {
      title: 'この本人確認の手続きは使えません',
      detail:
        'この手続きは有効期限（10分）が切れたか、すでに使われているか、別のアカウントで始められたものです。最初からやり直してください。',
    },
    en: {
      title: 'This verification request cannot be used',
      detail: 'It has expired (10 minutes), was already used, or was started from another account. Please start again.',
    },
  },
  verification_signature_invalid: {
    status: 400,
    ja: {
      title: '本人確認の結果を確かめられませんでした',
      detail:
        '本人確認の結果（IDトークン）の署名が正しくありません。何も保存していません。最初からやり直してください。',
    },
    en: {
      title: 'Verification result not trusted',
      detail:
        'The signature of the verification result (ID token) is not valid. Nothing was saved. Please start again.',
    },
  },
  verification_nonce_mismatch: {
    status: 400,
    ja: {
      title: '本人確認の結果を確かめられませんでした',
      detail:
        '本人確認の結果が、この手続きのために発行されたものではありません（nonce の不一致）。何も保存していません。',
    },
    en: {
      title: 'Verification result not trusted',
      detail: 'The verification result was not issued for this request (nonce mismatch). Nothing was saved.',
    },
  },
  verification_token_expired: {
    status: 400,
    ja: {
      title: '本人確認の結果の有効期限が切れています',
      detail:
        '本人確認の結果（IDトークン）の有効期限が切れています。何も保存していません。最初からやり直してください。',
    },
    en: {
      title: 'Verification result expired',
      detail: 'The verification result (ID token) has expired. Nothing was saved. Please start again.',
    },
  },
  verification_audience_mismatch: {
    status: 400,
    ja: {
      title: '本人確認の結果を確かめられませんでした',
      detail: '本人確認の結果（IDトークン）が、このサービスあてに発行されたものではありません。何も保存していません。',
    },
    en: {
      title: 'Verification result not trusted',
      detail: 'The verification result (ID token) was issued for another service. Nothing was saved.',
    },
  },
  verification_failed: {
    status: 400,
    ja: {
      title: '本人確認を完了できませんでした',
      detail:
        'デジタル認証アプリからの応答を確かめられませんでした。何も保存していません。最初からやり直してください。',
    },
    en: {
      title: 'Verification not completed',
      detail:
        'The answer of the digital authentication app could not be verified. Nothing was saved. Please start again.',
    },
  },
  verification_card_in_use: {
    status: 409,
    ja: {
      title: 'このカードは別のアカウントで使われています',
      detail:
        'このマイナンバーカードは、別のアカウントの本人確認に使われています。お一人につき一つのアカウントをお使いください。',
    },
    en: {
      title: 'Card used by another account',
      detail: 'This My Number card already verifies another account. Please use one account per person.',
    },
  },
  verification_required: {
    status: 403,
    ja: {
      title: '本人確認が必要です',
      detail: 'この操作の前に、マイナンバーカードによる本人確認を行ってください。',
    },
    en: {
      title: 'Identity verification required',
      detail: 'Please verify your identity with your My Number card first.',
    },
  },
  guardian_must_be_adult: {
    status: 403,
    ja: {
      title: '保護者として同意できません',
      detail: '保護者として同意できるのは、本人確認で18歳以上と確認された方だけです。',
    },
    en: {
      title: 'Cannot consent as guardian',
      detail: 'Only a person verified as 18 or older can consent as a guardian.',
    },
  },
  guardian_link_invalid: {
    status: 400,
    ja: {
      title: 'この同意のリンクは使えません',
      detail:
        'このリンクは有効期限が切れたか、すでに使われたか、取り消されています。お子さまに、もう一度依頼してもらってください。',
    },
    en: {
      title: 'This consent link cannot be used',
      detail: 'The link has expired, was already used or was cancelled. Please ask the minor to send a new request.',
    },
  },
  guardian_consent_not_needed: {
    status: 409,
    ja: {
      title: '保護者の同意は不要です',
      detail: '本人確認で18歳以上と確認されているため、保護者の同意は必要ありません。',
    },
    en: {
      title: 'No guardian consent needed',
      detail: 'You are verified as 18 or older; no guardian consent is needed.',
    },
  },
  guardian_consent_exists: {
    status: 409,
    ja: { title: 'すでに同意があります', detail: '保護者の同意はすでに得られています。' },
    en: { title: 'Consent already given', detail: 'A guardian has already given this consent.' },
  },
  registration_exists: {
    status: 409,
    ja: { title: 'すでに登録しています', detail: 'この自治体にはすでにふるさと住民として登録しています。' },
    en: { title: 'Already registered', detail: 'You are already registered with this local government.' },
  },
  registration_not_found: {
    status: 404,
    ja: { title: '登録が見つかりません', detail: 'この自治体への有効な登録はありません。' },
    en: { title: 'Registration not found', detail: 'There is no active registration with this local government.' },
  },
  premium_requires_verification: {
    status: 422,
    ja: {
      title: 'プレミアム登録には本人確認が必要です',
      detail: 'プレミアム登録には、マイナンバーカードによる有効な本人確認が必要です。先に本人確認を行ってください。',
    },
    en: {
      title: 'Premium needs identity verification',
      detail: 'Premium registration needs a current verification with the My Number card. Please verify first.',
    },
  },
  premium_requires_guardian_consent: {
    status: 422,
    ja: {
      title: '保護者の同意が必要です',
      detail:
        '18歳未満の方のプレミアム登録には、保護者の同意が必要です。アカウントのページから保護者に同意を依頼してください。',
    },
    en: {
      title: "A guardian's consent is needed",
      detail: "Premium registration under 18 needs a guardian's consent. Ask your guardian from the account page.",
    },
  },
  premium_not_at_residence: {
    status: 422,
    ja: {
      title: 'お住まいの自治体にはプレミアム登録できません',
      detail: 'お住まいの自治体（住所地）には、ベーシック登録のみできます。プレミアム登録はできません。',
    },
    en: {
      title: 'No premium where you live',
      detail: 'Where you live you can hold a basic registration only, not premium.',
    },
  },
  premium_limit_reached: {
    status: 422,
    ja: {
      title: 'プレミアム登録は3団体までです',
      detail:
        'プレミアム登録（申請中を含む）はすでに3団体あります。登録している市区町村のある都道府県は数えません。ほかの登録をベーシックに戻すか、申請を取り下げてから申請してください。',
    },
    en: {
      title: 'Premium is limited to 3 governments',
      detail:
        'You already hold (or applied for) premium with 3 governments; a prefecture in which you hold a municipality does not count. Return another to basic or withdraw an application first.',
    },
  },
  premium_already: {
    status: 409,
    ja: { title: 'すでにプレミアム登録です', detail: 'この自治体にはすでにプレミアム登録されています。' },
    en: { title: 'Already premium', detail: 'This registration is already premium.' },
  },
  premium_application_pending: {
    status: 409,
    ja: { title: '申請中です', detail: 'この自治体へのプレミアム登録の申請は、すでに審査中です。' },
    en: {
      title: 'Application pending',
      detail: 'Your premium application to this government is already being reviewed.',
    },
  },
  premium_application_decided: {
    status: 409,
    ja: { title: 'すでに審査済みです', detail: 'この申請はすでに承認または却下されています。' },
    en: { title: 'Already decided', detail: 'This application has already been decided.' },
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
} as const satisfies Record<string, ProblemEntry>;

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

/** Parses a use case's input; a failure is the caller's bad input (`validation_failed` naming the fields). */
export function parseInput<Output>(schema: { parse(value: unknown): Output }, value: unknown): Output {
  try {
    return schema.parse(value);
  } catch (error) {
    throw toAppError(error);
  }
}
