/**
 * The registration rules of DOMAIN §3 as pure functions, so that each rule is one table of cases.
 */

/** One of the person's registrations as the premium cap sees it. */
export interface CapEntry {
  lgCode: string;
  /** Prefectures are 47 governments whose code is `<2 digits>0000` + check digit; see `isPrefectureCode`. */
  isPrefecture: boolean;
  prefectureCode: string;
  /** Premium now, or applied for and not yet decided (an open application holds its place). */
  premiumOrPending: boolean;
}

export const premiumCap = 3;

/**
 * How many governments count toward the premium cap of 3 (L5860–5864): every premium (or pending)
 * registration, except a prefecture in which the person also holds a premium (or pending) registration
 * with one of its municipalities — registering with a municipality brings its prefecture along, and
 * the pair counts once. See docs/decisions/0008-premium-cap.md for why "premium" and not "any tier".
 */
export function premiumCapCount(entries: readonly CapEntry[]): number {
  const premium = entries.filter((entry) => entry.premiumOrPending);
  const prefecturesWithMunicipality = new Set(
    premium.filter((entry) => !entry.isPrefecture).map((entry) => entry.prefectureCode),
  );
  return premium.filter((entry) => !(entry.isPrefecture && prefecturesWithMunicipality.has(entry.prefectureCode)))
    .length;
}

/** Whether adding premium at `candidate` would go over the cap, given the person's other registrations. */
export function exceedsPremiumCap(others: readonly CapEntry[], candidate: Omit<CapEntry, 'premiumOrPending'>): boolean {
  const before = premiumCapCount(others);
  const after = premiumCapCount([...others, { ...candidate, premiumOrPending: true }]);
  return after > before && after > premiumCap;
}

/**
 * 住所地: a registration where the person lives. For a municipality, living in it; for a prefecture,
 * living anywhere in it. Unknown residence (not declared, not verified) is not 住所地.
 */
export function isOwnResidence(
  government: { lgCode: string; isPrefecture: boolean; prefectureCode: string },
  residence: { lgCode: string | null; prefectureCode: string | null },
): boolean {
  if (government.isPrefecture) return residence.prefectureCode === government.prefectureCode;
  return residence.lgCode === government.lgCode;
}

export type PremiumRefusal =
  | 'premium_requires_verification'
  | 'premium_requires_guardian_consent'
  | 'premium_not_at_residence'
  | 'premium_limit_reached';

/**
 * The first rule that refuses premium, in the order a person can act on them: verify with the card,
 * then a guardian's consent for a minor, then where they live, then the cap.
 */
export function premiumRefusal(facts: {
  verified: boolean;
  minor: boolean;
  guardianConsent: boolean;
  ownResidence: boolean;
  exceedsCap: boolean;
}): PremiumRefusal | undefined {
  if (!facts.verified) return 'premium_requires_verification';
  if (facts.minor && !facts.guardianConsent) return 'premium_requires_guardian_consent';
  if (facts.ownResidence) return 'premium_not_at_residence';
  if (facts.exceedsCap) return 'premium_limit_reached';
  return undefined;
}

/** Age bands shared with a government instead of the birth date. */
export function ageBandOf(age: number): 'under_18' | '18_29' | '30_39' | '40_49' | '50_59' | '60_69' | '70_plus' {
  if (age < 18) return 'under_18';
  if (age < 30) return '18_29';
  if (age < 40) return '30_39';
  if (age < 50) return '40_49';
  if (age < 60) return '50_59';
  if (age < 70) return '60_69';
  return '70_plus';
}
