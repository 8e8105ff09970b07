import { z } from 'zod';

/**
 * 全国地方公共団体コード: five digits plus a check digit. Weights 6,5,4,3,2 over the first five
 * digits; check = (11 - sum % 11) % 10. Every code entering the system passes through here.
 */
export function computeLgCheckDigit(firstFive: string): number {
  const weights = [6, 5, 4, 3, 2];
  let sum = 0;
  for (let index = 0; index < 5; index += 1) {
    sum += Number(firstFive[index]) * (weights[index] ?? 0);
  }
  return (11 - (sum % 11)) % 10;
}

export function isValidLgCode(value: string): boolean {
  return /^\d{6}$/.test(value) && computeLgCheckDigit(value.slice(0, 5)) === Number(value[5]);
}

/** Two-digit prefecture number (01–47) of a municipality or prefecture code. */
export function prefectureCodeOf(lgCode: string): string {
  return lgCode.slice(0, 2);
}

export const LgCode = z
  .string()
  .superRefine((value, context) => {
    if (!/^\d{6}$/.test(value)) {
      context.addIssue({ code: 'custom', message: '6桁の数字で指定してください / must be 6 digits' });
    } else if (!isValidLgCode(value)) {
      context.addIssue({ code: 'custom', message: '検査数字が正しくありません / check digit does not match' });
    }
  })
  .meta({
    description: '全国地方公共団体コード (6 digits, last one is the check digit)',
    example: '011002',
  });

export const PrefectureCode = z
  .string()
  .regex(/^(0[1-9]|[1-3]\d|4[0-7])$/, { message: '01〜47の2桁で指定してください / must be 01–47' })
  .meta({ description: '都道府県コード (01–47)', example: '01' });
