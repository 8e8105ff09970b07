import type { Context } from 'hono';
import { z } from '@hono/zod-openapi';
import { AppError, problemCatalog, type ErrorCode } from '../errors.js';
import type { Locale } from '../i18n.js';

/** RFC 9457 problem document, as every API error is sent. */
export const ProblemSchema = z
  .object({
    type: z.string().meta({ example: 'urn:furusato:problem:validation_failed' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    code: z.string().meta({ description: 'Stable machine-readable error code' }),
    requestId: z.string().optional(),
    errors: z
      .array(
        z.object({
          field: z.string(),
          in: z.enum(['path', 'query', 'body', 'header', 'form']),
          message: z.string(),
        }),
      )
      .optional()
      .meta({ description: 'The fields that failed validation' }),
    localized: z
      .object({
        ja: z.object({ title: z.string(), detail: z.string() }),
        en: z.object({ title: z.string(), detail: z.string() }),
      })
      .meta({ description: 'Title and detail in Japanese and English' }),
  })
  .openapi('Problem');

export type Problem = z.infer<typeof ProblemSchema>;

/** The OpenAPI response entry for an error status, for use in `createRoute({ responses })`. */
export function problemResponse(description: string) {
  return { description, content: { 'application/problem+json': { schema: ProblemSchema } } } as const;
}

export function buildProblem(error: AppError, locale: Locale, instance: string, requestId?: string): Problem {
  const entry = problemCatalog[error.code];
  const localized = {
    ja: { title: entry.ja.title, detail: error.detail?.ja ?? entry.ja.detail },
    en: { title: entry.en.title, detail: error.detail?.en ?? entry.en.detail },
  };
  return {
    type: `urn:furusato:problem:${error.code}`,
    title: localized[locale].title,
    status: entry.status,
    detail: localized[locale].detail,
    instance,
    code: error.code,
    ...(requestId ? { requestId } : {}),
    ...(error.fieldErrors.length > 0 ? { errors: error.fieldErrors } : {}),
    localized,
  };
}

export function problemJson(c: Context, error: AppError, locale: Locale): Response {
  const problem = buildProblem(error, locale, c.req.path, c.get('requestId') as string | undefined);
  const headers: Record<string, string> = { 'Content-Type': 'application/problem+json; charset=UTF-8' };
  if (error.code === 'service_unavailable') headers['Retry-After'] = '5';
  return new Response(JSON.stringify(problem), { status: problem.status, headers });
}

export function statusToCode(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'validation_failed';
    case 401:
      return 'unauthenticated';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 405:
      return 'method_not_allowed';
    case 409:
      return 'conflict';
    case 413:
      return 'payload_too_large';
    case 429:
      return 'rate_limited';
    case 503:
      return 'service_unavailable';
    default:
      return 'internal_error';
  }
}
