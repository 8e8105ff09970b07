/**
 * Statistical disclosure control for every figure that leaves the insights module (DOMAIN §3, issue 7):
 * no number of people under 10 is shown, and none can be worked out from the numbers that are shown.
 *
 * 1. Primary suppression: every count of people from 1 to 9 is hidden (「10人未満」). Zero is shown: it
 *    is nobody, so no one can be identified by it, and hiding it would hide its complement too (a town
 *    with no premium registrants yet could not see how many basic ones it has). Decision 0011.
 * 2. Secondary (complementary) suppression over the linear relations between shown figures:
 *    - a sum (a total and its parts, e.g. registrants = basic + premium): never exactly one hidden
 *      member, and when the total is shown, the hidden parts together (total minus the shown parts) are
 *      0 or at least 10, so a group of fewer than 10 cannot be read off either;
 *    - a balance (signed, e.g. this month = last month + new − withdrawn − released): never exactly one
 *      hidden member.
 *    A figure that is not shown anywhere but follows from one (registrants who are not long-stay) is a
 *    member that starts hidden, so the figure it would give away is protected as well.
 *    Further cells are hidden, smallest first (parts before totals), until every relation holds; one
 *    cell may belong to several relations (a total shared by several tables), so this runs to a fixpoint.
 *
 * This guards each relation it is told about, one at a time; it does not solve the system of all
 * relations at once (an attacker combining many tables by linear programming could narrow some hidden
 * cells to ranges). Decision 0011 says why that is an accepted limit.
 */

export const suppressionThreshold = 10;

export type Relation =
  | { kind: 'sum'; total: string; parts: readonly string[] }
  | { kind: 'balance'; terms: ReadonlyArray<{ key: string; sign: 1 | -1 }> };

/** Why a cell is hidden: it is under the threshold itself, or hidden so that another cannot be derived. */
export type SuppressionReason = 'under_threshold' | 'complementary';

export interface SuppressionInput {
  /** Every figure that takes part, shown or derived, by key. */
  values: ReadonlyMap<string, number>;
  relations: readonly Relation[];
  /** Keys that are never shown (derived remainders): hidden from the start, whatever their value. */
  notShown?: ReadonlySet<string>;
  threshold?: number;
}

function membersOf(relation: Relation): string[] {
  return relation.kind === 'sum' ? [relation.total, ...relation.parts] : relation.terms.map((term) => term.key);
}

/**
 * Returns the keys that must not be shown, with the reason. Keys in `notShown` are unknown to the viewer
 * anyway; they are returned only when they are under the threshold (they need protecting), and they
 * count as unknowns of their relations either way. Deterministic: among candidates of equal value the key
 * that sorts first is hidden, so the same figures always give the same page.
 */
export function suppress(input: SuppressionInput): Map<string, SuppressionReason> {
  const threshold = input.threshold ?? suppressionThreshold;
  const notShown = input.notShown ?? new Set<string>();
  const value = (key: string) => input.values.get(key) ?? 0;
  const hidden = new Map<string, SuppressionReason>();
  for (const [key, count] of input.values) if (count > 0 && count < threshold) hidden.set(key, 'under_threshold');
  const unknown = (key: string) => hidden.has(key) || notShown.has(key);

  // A shown zero protects nothing (everyone can see it is nobody), so non-zero cells are hidden first.
  const rank = (key: string) => (value(key) === 0 ? Number.POSITIVE_INFINITY : value(key));
  const smallestVisible = (keys: readonly string[]): string | undefined =>
    keys.filter((key) => !unknown(key)).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))[0];
  const hide = (key: string | undefined): boolean => {
    if (!key) return false;
    hidden.set(key, 'complementary');
    return true;
  };

  let changed = true;
  while (changed) {
    changed = false;
    for (const relation of input.relations) {
      const members = membersOf(relation);
      const unknowns = members.filter(unknown);
      // One unknown member follows from the others: hide another, unless it needs no protection.
      if (unknowns.length === 1 && hidden.has(unknowns[0]!)) {
        const next =
          relation.kind === 'sum'
            ? (smallestVisible(relation.parts) ?? smallestVisible([relation.total]))
            : smallestVisible(members);
        changed = hide(next) || changed;
        continue;
      }
      // The unknown parts of a shown total are together a group of (total − shown parts): 0 or 10 and more.
      if (relation.kind === 'sum' && !unknown(relation.total)) {
        const unknownParts = relation.parts.filter(unknown);
        const remainder = unknownParts.reduce((sum, key) => sum + value(key), 0);
        if (unknownParts.length > 0 && remainder > 0 && remainder < threshold) {
          changed = hide(smallestVisible(relation.parts) ?? relation.total) || changed;
        }
      }
    }
  }
  return hidden;
}
