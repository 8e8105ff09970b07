import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Actor } from '../../platform/audit.js';
import type { StaffRole } from '../../platform/db/schema.js';
import { activityDateOf } from './attendance.service.js';
import {
  isGovernmentStaff,
  mayDesignate,
  mayEnterActivities,
  mayManageOrganisations,
  mayManageProject,
  organisationOf,
} from './activities.policy.js';
import { fromJapanLocalInput, sessionDays, sessionTimeText } from './activities.format.js';
import { checkCode, checkinCodeUrl, codeMac, parseCheckinCode, sessionCodeKey, slotAt } from './checkin-code.js';
import { isValidCorporateNumber } from './organisations.service.js';

const own = '042056';
const other = '363421';
const organisationA = '0190a000-0000-7000-8000-00000000000a';
const organisationB = '0190a000-0000-7000-8000-00000000000b';

function member(role: StaffRole, secondFactor: boolean, organisationId: string | null = null): Actor {
  return {
    kind: 'staff',
    id: 'p',
    secondFactor,
    memberships: [{ lgCode: own, membershipId: 'm', role, organisationId }],
  };
}

describe('activities policy', () => {
  const T = true;
  const F = false;
  const actors: Record<string, Actor> = {
    tenant_admin: member('tenant_admin', true),
    tenant_staff: member('tenant_staff', true),
    'organisation_staff of A': member('organisation_staff', true, organisationA),
    'organisation_staff without organisation': member('organisation_staff', true),
    'tenant_admin, no second factor': member('tenant_admin', false),
    'organisation_staff of A, no second factor': member('organisation_staff', false, organisationA),
    operator: { kind: 'operator', id: 'o', secondFactor: true, memberships: [] },
    'a registrant': { kind: 'person', id: 'x', secondFactor: false, memberships: [] },
  };
  // enter, organisations, designate, project of A, project of B, government's own project
  const table: Record<string, { own: boolean[]; other: boolean[] }> = {
    tenant_admin: { own: [T, T, T, T, T, T], other: [F, F, F, F, F, F] },
    tenant_staff: { own: [T, T, T, T, T, T], other: [F, F, F, F, F, F] },
    'organisation_staff of A': { own: [T, F, F, T, F, F], other: [F, F, F, F, F, F] },
    'organisation_staff without organisation': { own: [T, F, F, F, F, F], other: [F, F, F, F, F, F] },
    'tenant_admin, no second factor': { own: [F, F, F, F, F, F], other: [F, F, F, F, F, F] },
    'organisation_staff of A, no second factor': { own: [F, F, F, F, F, F], other: [F, F, F, F, F, F] },
    operator: { own: [F, F, F, F, F, F], other: [F, F, F, F, F, F] },
    'a registrant': { own: [F, F, F, F, F, F], other: [F, F, F, F, F, F] },
  };
  for (const [name, expected] of Object.entries(table)) {
    for (const [where, lgCode] of [
      ['own', own],
      ['other', other],
    ] as const) {
      it(`${name} in the ${where} government`, () => {
        const actor = actors[name]!;
        assert.deepEqual(
          [
            mayEnterActivities(actor, lgCode),
            mayManageOrganisations(actor, lgCode),
            mayDesignate(actor, lgCode),
            mayManageProject(actor, lgCode, { organisationId: organisationA }),
            mayManageProject(actor, lgCode, { organisationId: organisationB }),
            mayManageProject(actor, lgCode, { organisationId: null }),
          ],
          expected[where],
        );
      });
    }
  }

  it('a 団体担当者 works for exactly the organisation of their membership', () => {
    assert.equal(organisationOf(actors['organisation_staff of A']!, own), organisationA);
    assert.equal(organisationOf(actors['organisation_staff of A']!, other), undefined);
    assert.equal(organisationOf(actors['tenant_admin']!, own), undefined);
    assert.equal(isGovernmentStaff(actors['organisation_staff of A']!, own), false);
  });
});

describe('check-in codes', () => {
  const secret = 'a-test-secret-that-is-long-enough-for-the-rules';
  const sessionId = '0190a000-0000-7000-8000-000000000001';
  const now = new Date('2026-12-05T01:00:10Z');
  const key = sessionCodeKey(secret, own, sessionId);
  const codeAt = (slot: number) => checkinCodeUrl('http://localhost:3000', own, sessionId, slot, codeMac(key, slot));
  const current = slotAt(now);

  const cases: Array<[string, string, 'valid' | 'forged' | 'expired' | 'unreadable']> = [
    ['the current code', codeAt(current), 'valid'],
    ['the code of 30 seconds ago (still on a slow screen)', codeAt(current - 1), 'valid'],
    ['the code of a minute ago', codeAt(current - 2), 'valid'],
    ['the code of 90 seconds ago', codeAt(current - 3), 'expired'],
    ['the next code (the screen clock a little ahead)', codeAt(current + 1), 'valid'],
    ['a code two slots ahead', codeAt(current + 2), 'expired'],
    ['a code of yesterday', codeAt(current - 2880), 'expired'],
    ['an altered slot with the old signature', codeAt(current).replace(`/${current}.`, `/${current + 1}.`), 'forged'],
    [
      'the signature of another session',
      checkinCodeUrl(
        'http://localhost:3000',
        own,
        '0190a000-0000-7000-8000-000000000002',
        current,
        codeMac(key, current),
      ),
      'forged',
    ],
    [
      'a code signed with another secret',
      checkinCodeUrl(
        'http://x',
        own,
        sessionId,
        current,
        codeMac(sessionCodeKey('other-secret', own, sessionId), current),
      ),
      'forged',
    ],
    ['just the path', new URL(codeAt(current)).pathname, 'valid'],
    ['a registration card URL', 'http://localhost:3000/verify?token=a.b.c', 'unreadable'],
    ['a bad government code', codeAt(current).replace(`/c/${own}/`, '/c/042055/'), 'unreadable'],
    ['text', 'こんにちは', 'unreadable'],
  ];
  for (const [name, text, expected] of cases) {
    it(`${name}: ${expected}`, () => {
      const parsed = parseCheckinCode(text);
      if (expected === 'unreadable') {
        assert.equal(parsed, undefined);
        return;
      }
      assert.ok(parsed, 'readable');
      assert.equal(checkCode(secret, parsed, now), expected);
    });
  }

  it('changes every 30 seconds', () => {
    assert.notEqual(codeMac(key, current), codeMac(key, current + 1));
    assert.equal(slotAt(new Date(now.getTime() + 30_000)), current + 1);
  });
});

describe('session days', () => {
  const at = (value: string) => fromJapanLocalInput(value)!;
  const cases: Array<[string, string, string, string[]]> = [
    ['a morning clean-up', '2026-12-05T09:00', '2026-12-05T12:00', ['2026-12-05']],
    ['a three-day festival', '2026-08-14T10:00', '2026-08-16T21:00', ['2026-08-14', '2026-08-15', '2026-08-16']],
    ['a night watch over midnight', '2026-12-05T22:00', '2026-12-06T02:00', ['2026-12-05', '2026-12-06']],
    ['ending exactly at midnight', '2026-12-05T18:00', '2026-12-06T00:00', ['2026-12-05']],
  ];
  for (const [name, start, end, days] of cases) {
    it(name, () => assert.deepEqual(sessionDays(at(start), at(end)), days));
  }

  const festival = { starts_at: at('2026-08-14T10:00'), ends_at: at('2026-08-16T21:00') };
  const dates: Array<[string, string, string]> = [
    ['20 minutes before the start counts for the first day', '2026-08-14T09:40', '2026-08-14'],
    ['the second day', '2026-08-15T13:00', '2026-08-15'],
    ['just after midnight of the third day', '2026-08-16T00:05', '2026-08-16'],
    ['20 minutes after the end counts for the last day', '2026-08-16T21:20', '2026-08-16'],
  ];
  for (const [name, scanned, expected] of dates) {
    it(name, () => assert.equal(activityDateOf(festival, at(scanned)), expected));
  }

  it('reads as people read it, in Japan time', () => {
    assert.equal(
      sessionTimeText(at('2026-12-05T09:00'), at('2026-12-05T12:00'), 'ja'),
      '2026年12月5日(土) 09:00〜12:00',
    );
    assert.match(sessionTimeText(festival.starts_at, festival.ends_at, 'ja'), /8月14日.*〜2026年8月16日/);
  });
});

describe('法人番号', () => {
  // Check digits computed by the 国税庁 rule (9 − Σ mod 9); 7000012050002 is 国税庁's own number.
  const cases: Array<[string, boolean]> = [
    ['7000012050002', true],
    ['8000012050002', false],
    ['700001205000', false],
    ['70000120500021', false],
    ['700001205000a', false],
  ];
  for (const [value, valid] of cases)
    it(`${value}: ${valid}`, () => assert.equal(isValidCorporateNumber(value), valid));
});
