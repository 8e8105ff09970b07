import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../../demo/synthetic-population.js';
import { suppress, type Relation } from './suppression.js';

const values = (entries: Record<string, number>) => new Map(Object.entries(entries));
const hiddenKeys = (result: Map<string, unknown>) => [...result.keys()].sort();

/**
 * What a person can work out from the shown figures of one relation: a member is exactly known when it is
 * the only unknown of a relation whose other members are known (shown, or exactly known themselves).
 * Run to a fixpoint, this is the differencing attack the suppression must withstand.
 */
function derivable(input: { values: Map<string, number>; relations: Relation[]; hidden: Set<string> }): Set<string> {
  const known = new Set([...input.values.keys()].filter((key) => !input.hidden.has(key)));
  const derived = new Set<string>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const relation of input.relations) {
      const members =
        relation.kind === 'sum' ? [relation.total, ...relation.parts] : relation.terms.map((term) => term.key);
      const unknown = members.filter((key) => !known.has(key));
      if (unknown.length === 1) {
        known.add(unknown[0]!);
        derived.add(unknown[0]!);
        changed = true;
      }
    }
  }
  return derived;
}

describe('suppression of small numbers', () => {
  it('hides 1 to 9, shows 0 and 10', () => {
    const result = suppress({ values: values({ a: 0, b: 1, c: 9, d: 10, e: 250 }), relations: [] });
    assert.deepEqual(hiddenKeys(result), ['b', 'c']);
    assert.equal(result.get('b'), 'under_threshold');
  });

  it('a total and its parts: the complement of a small part is hidden too (95 + 5 = 100)', () => {
    const result = suppress({
      values: values({ total: 100, basic: 95, premium: 5 }),
      relations: [{ kind: 'sum', total: 'total', parts: ['basic', 'premium'] }],
    });
    assert.deepEqual(hiddenKeys(result), ['basic', 'premium']);
    assert.equal(result.get('basic'), 'complementary');
    assert.equal(result.get('premium'), 'under_threshold');
  });

  it('takes the smallest other part as the complement, not the largest', () => {
    const result = suppress({
      values: values({ total: 100, a: 50, b: 45, c: 5 }),
      relations: [{ kind: 'sum', total: 'total', parts: ['a', 'b', 'c'] }],
    });
    assert.deepEqual(hiddenKeys(result), ['b', 'c']);
  });

  it('two small parts hidden together still add up to a small group: a third is hidden (3 + 4 = 7 < 10)', () => {
    const result = suppress({
      values: values({ total: 100, a: 3, b: 4, c: 30, d: 63 }),
      relations: [{ kind: 'sum', total: 'total', parts: ['a', 'b', 'c', 'd'] }],
    });
    assert.deepEqual(hiddenKeys(result), ['a', 'b', 'c']);
  });

  it('a zero part needs nothing hidden (30 = 30 + 0)', () => {
    const result = suppress({
      values: values({ total: 30, basic: 30, premium: 0 }),
      relations: [{ kind: 'sum', total: 'total', parts: ['basic', 'premium'] }],
    });
    assert.deepEqual(hiddenKeys(result), []);
  });

  it('a small total hides its parts too (7 = 4 + 3), and a zero is not a useful complement', () => {
    const result = suppress({
      values: values({ total: 7, basic: 7, premium: 0 }),
      relations: [{ kind: 'sum', total: 'total', parts: ['basic', 'premium'] }],
    });
    assert.deepEqual(hiddenKeys(result), ['basic', 'total']);
  });

  it('a figure that is not shown but follows from two shown ones is protected (12 registrants, 11 long-stay)', () => {
    const result = suppress({
      values: values({ total: 12, longStay: 11, notLongStay: 1 }),
      relations: [{ kind: 'sum', total: 'total', parts: ['longStay', 'notLongStay'] }],
      notShown: new Set(['notLongStay']),
    });
    assert.equal(result.get('longStay'), 'complementary');
    assert.equal(result.get('notLongStay'), 'under_threshold');
    assert.equal(result.has('total'), false);
  });

  it('a not-shown figure of 10 or more may follow from the shown ones', () => {
    const result = suppress({
      values: values({ total: 30, longStay: 0, notLongStay: 30 }),
      relations: [{ kind: 'sum', total: 'total', parts: ['longStay', 'notLongStay'] }],
      notShown: new Set(['notLongStay']),
    });
    assert.deepEqual(hiddenKeys(result), []);
  });

  it('month to month: this month = last month + new − withdrawn cannot reveal a small number of new', () => {
    const relation: Relation = {
      kind: 'balance',
      terms: [
        { key: 'now', sign: 1 },
        { key: 'before', sign: -1 },
        { key: 'new', sign: -1 },
        { key: 'withdrawn', sign: 1 },
      ],
    };
    const result = suppress({
      values: values({ now: 120, before: 127, new: 5, withdrawn: 12 }),
      relations: [relation],
    });
    assert.deepEqual(hiddenKeys(result), ['new', 'withdrawn']);
  });

  it('a cell shared by two tables is hidden in both (a prefecture is a part nationally and a total of its towns)', () => {
    const relations: Relation[] = [
      { kind: 'sum', total: 'nation', parts: ['prefA', 'prefB'] },
      { kind: 'sum', total: 'prefA', parts: ['townA1', 'townA2'] },
    ];
    const input = { values: values({ nation: 500, prefA: 300, prefB: 200, townA1: 295, townA2: 5 }), relations };
    const result = suppress(input);
    assert.deepEqual(derivable({ ...input, hidden: new Set(result.keys()) }), new Set());
    assert.ok(result.has('townA1'));
  });

  it('withstands differencing on random tables: nothing from 1 to 9 shown or derivable, hidden groups 0 or 10+', () => {
    const random = seededRandom(7);
    for (let round = 0; round < 300; round += 1) {
      const entries: Record<string, number> = {};
      const relations: Relation[] = [];
      // A two-level table: a grand total, groups, and parts within groups, plus one not-shown remainder.
      const groups = random.int(1, 4);
      const groupKeys: string[] = [];
      for (let group = 0; group < groups; group += 1) {
        const parts: string[] = [];
        let groupTotal = 0;
        for (let part = 0; part < random.int(1, 5); part += 1) {
          const value = random.next() < 0.3 ? random.int(0, 9) : random.int(10, 200);
          entries[`g${group}p${part}`] = value;
          groupTotal += value;
          parts.push(`g${group}p${part}`);
        }
        entries[`g${group}`] = groupTotal;
        groupKeys.push(`g${group}`);
        relations.push({ kind: 'sum', total: `g${group}`, parts });
      }
      entries.total = groupKeys.reduce((sum, key) => sum + (entries[key] ?? 0), 0);
      relations.push({ kind: 'sum', total: 'total', parts: groupKeys });
      const shown = random.int(0, entries.total);
      entries.shownPart = shown;
      entries.remainder = entries.total - shown;
      relations.push({ kind: 'sum', total: 'total', parts: ['shownPart', 'remainder'] });
      const notShown = new Set(['remainder']);
      const input = { values: values(entries), relations, notShown };
      const result = suppress(input);
      const hidden = new Set([...result.keys(), ...notShown]);
      for (const [key, value] of Object.entries(entries)) {
        if (!hidden.has(key)) assert.ok(value === 0 || value >= 10, `round ${round}: ${key}=${value} shown`);
      }
      for (const key of derivable({ values: values(entries), relations, hidden })) {
        const value = entries[key] ?? 0;
        assert.ok(value === 0 || value >= 10, `round ${round}: ${key}=${value} can be worked out`);
      }
      for (const relation of relations) {
        if (relation.kind !== 'sum' || hidden.has(relation.total)) continue;
        const group = relation.parts
          .filter((key) => hidden.has(key))
          .reduce((sum, key) => sum + (entries[key] ?? 0), 0);
        assert.ok(group === 0 || group >= 10, `round ${round}: hidden parts of ${relation.total} add up to ${group}`);
      }
    }
  });
});
