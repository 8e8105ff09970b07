import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fiscalYearOf, fiscalYearRange, japanDate } from './time.js';

describe('Japan time and fiscal year', () => {
  it('uses the Japanese calendar day, not the UTC one', () => {
    assert.equal(japanDate(new Date('2026-03-31T15:00:00Z')), '2026-04-01');
    assert.equal(japanDate(new Date('2026-03-31T14:59:59Z')), '2026-03-31');
  });

  it('starts the fiscal year on April 1 in Japan', () => {
    assert.equal(fiscalYearOf(new Date('2026-03-31T14:59:59Z')), 2025);
    assert.equal(fiscalYearOf(new Date('2026-03-31T15:00:00Z')), 2026);
    assert.equal(fiscalYearOf(new Date('2027-01-15T00:00:00Z')), 2026);
  });

  it('gives the range of a fiscal year as half-open instants', () => {
    const { start, end } = fiscalYearRange(2026);
    assert.equal(start.toISOString(), '2026-03-31T15:00:00.000Z');
    assert.equal(end.toISOString(), '2027-03-31T15:00:00.000Z');
  });
});
