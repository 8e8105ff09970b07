import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDevOidcProvider, type DevOidcProvider } from '../../dev/oidc-provider.js';
import type { Actor } from '../../platform/audit.js';
import { withTenant } from '../../platform/db/tenant-scope.js';
import { AppError, type ErrorCode } from '../../platform/errors.js';
import { signedInClient, startTestRuntime, type TestRuntime } from '../../../test/support/runtime.js';
import { joinTenants } from '../../../test/support/staff.js';
import { verifyAs } from '../../../test/support/verification.js';
import {
  ageBandOf,
  exceedsPremiumCap,
  isOwnResidence,
  premiumCapCount,
  premiumRefusal,
  type CapEntry,
} from './registrations.policy.js';
import {
  applyForPremium,
  countCurrentRegistrations,
  decidePremiumApplication,
  listMyRegistrations,
  registerWithGovernment,
  setPrefectureLink,
  withdrawRegistration,
} from './registrations.service.js';

const entry = (lgCode: string, premiumOrPending = true): CapEntry => ({
  lgCode,
  isPrefecture: lgCode.slice(2, 5) === '000',
  prefectureCode: lgCode.slice(0, 2),
  premiumOrPending,
});

describe('registration rules (pure)', () => {
  const capCases: Array<[string, CapEntry[], number]> = [
    ['nothing', [], 0],
    ['three municipalities', [entry('042056'), entry('363421'), entry('113611')], 3],
    ['a prefecture with one of its municipalities counts once', [entry('042056'), entry('040002')], 1],
    ['a prefecture alone counts', [entry('040002')], 1],
    ['a prefecture with a municipality of another prefecture counts', [entry('363421'), entry('040002')], 2],
    ['basic registrations do not count', [entry('042056', false), entry('363421', false)], 0],
    ['a basic municipality does not free its prefecture', [entry('042056', false), entry('040002')], 1],
  ];
  for (const [label, entries, expected] of capCases) {
    it(`premium cap count: ${label} → ${expected}`, () => assert.equal(premiumCapCount(entries), expected));
  }

  it('refuses the 4th premium, but not a prefecture whose municipality is held', () => {
    const three = [entry('042056'), entry('363421'), entry('113611')];
    assert.equal(exceedsPremiumCap(three, entry('074071')), true, 'a 4th municipality');
    assert.equal(exceedsPremiumCap(three, entry('040002')), false, '宮城県 with 気仙沼市 held');
    assert.equal(exceedsPremiumCap(three, entry('070009')), true, '福島県 without its municipality');
    assert.equal(exceedsPremiumCap([entry('042056'), entry('363421')], entry('113611')), false, 'the 3rd');
  });

  const residenceCases: Array<[string, boolean, string | null, boolean]> = [
    ['042056', false, '042056', true],
    ['042056', false, '041009', false],
    ['040002', true, '042056', true],
    ['040002', true, '131016', false],
    ['042056', false, null, false],
  ];
  for (const [lgCode, isPrefecture, lives, expected] of residenceCases) {
    it(`住所地: registering with ${lgCode} while living in ${lives ?? 'unknown'} → ${expected}`, () => {
      assert.equal(
        isOwnResidence(
          { lgCode, isPrefecture, prefectureCode: lgCode.slice(0, 2) },
          { lgCode: lives, prefectureCode: lives?.slice(0, 2) ?? null },
        ),
        expected,
      );
    });
  }

  const refusalCases: Array<[Parameters<typeof premiumRefusal>[0], ReturnType<typeof premiumRefusal>]> = [
    [
      { verified: false, minor: false, guardianConsent: false, ownResidence: false, exceedsCap: false },
      'premium_requires_verification',
    ],
    [
      { verified: true, minor: true, guardianConsent: false, ownResidence: false, exceedsCap: false },
      'premium_requires_guardian_consent',
    ],
    [{ verified: true, minor: true, guardianConsent: true, ownResidence: false, exceedsCap: false }, undefined],
    [
      { verified: true, minor: false, guardianConsent: false, ownResidence: true, exceedsCap: false },
      'premium_not_at_residence',
    ],
    [
      { verified: true, minor: false, guardianConsent: false, ownResidence: false, exceedsCap: true },
      'premium_limit_reached',
    ],
    [{ verified: true, minor: false, guardianConsent: false, ownResidence: false, exceedsCap: false }, undefined],
  ];
  for (const [facts, expected] of refusalCases) {
    it(`premium refusal for ${JSON.stringify(facts)} → ${expected ?? 'allowed'}`, () => {
      assert.equal(premiumRefusal(facts), expected);
    });
  }

  it('shares an age band, never the birth date', () => {
    assert.deepEqual([17, 18, 29, 30, 69, 70, 95].map(ageBandOf), [
      'under_18',
      '18_29',
      '18_29',
      '30_39',
      '60_69',
      '70_plus',
      '70_plus',
    ]);
  });
});

const survey = { ties: ['furusato_nozei' as const] };

async function refusedWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AppError, String(error));
    assert.equal(error.code, code);
    return true;
  });
}

describe('registrations', () => {
  let provider: DevOidcProvider;
  let runtime: TestRuntime;
  const db = () => runtime.database.db;

  before(async () => {
    provider = await startDevOidcProvider({ redirectUris: ['http://localhost:3000/verification/callback'] });
    runtime = await startTestRuntime(provider.configOverrides);
    await joinTenants(runtime, [
      '042056',
      '040002',
      '041009',
      '363421',
      '113611',
      '074071',
      '070009',
      '131016',
      '130001',
    ]);
  });

  after(async () => {
    await runtime.close();
    await provider.close();
  });

  it('registers basic at once, and with the prefecture too', async () => {
    const { personId } = await signedInClient(runtime, 'basic@example.jp');
    const { registration, linkedPrefecture } = await registerWithGovernment({
      db: db(),
      personId,
      lgCode: '042056',
      input: { ties: ['birthplace_or_lived', 'other'], note: '祖父母の家があります' },
    });
    assert.deepEqual([registration.tier, registration.status, registration.own_residence], ['basic', 'active', false]);
    assert.deepEqual(registration.relationship_ties, ['birthplace_or_lived', 'other']);
    assert.equal(linkedPrefecture?.lg_code, '040002');
    assert.equal(linkedPrefecture?.origin, 'prefecture_link');
    assert.equal(linkedPrefecture?.linked_from_lg_code, '042056');
    await refusedWith(
      registerWithGovernment({ db: db(), personId, lgCode: '042056', input: survey }),
      'registration_exists',
    );
  });

  it('refuses a government that has not joined, and a survey without its free text', async () => {
    const { personId } = await signedInClient(runtime, 'refused@example.jp');
    await refusedWith(
      registerWithGovernment({ db: db(), personId, lgCode: '011002', input: survey }),
      'tenant_not_found',
    );
    await refusedWith(
      registerWithGovernment({ db: db(), personId, lgCode: '363421', input: { ties: ['other'] } }),
      'validation_failed',
    );
    await refusedWith(
      registerWithGovernment({ db: db(), personId, lgCode: '363421', input: { ties: [] } }),
      'validation_failed',
    );
  });

  it('keeps the prefecture opt-out for later registrations in that prefecture, and turns it back on', async () => {
    const { personId } = await signedInClient(runtime, 'optout@example.jp');
    const first = await registerWithGovernment({
      db: db(),
      personId,
      lgCode: '042056',
      input: { ...survey, linkPrefecture: false },
    });
    assert.equal(first.linkedPrefecture, undefined);
    const second = await registerWithGovernment({ db: db(), personId, lgCode: '041009', input: survey });
    assert.equal(second.linkedPrefecture, undefined, 'the opt-out holds for 仙台市 too');
    const mine = await listMyRegistrations({ db: db(), personId });
    assert.deepEqual(mine.prefectureLinkOptOuts, ['040002']);

    await setPrefectureLink({ db: db(), personId, prefectureLgCode: '040002', linked: true });
    const after = await listMyRegistrations({ db: db(), personId });
    const miyagi = after.registrations.find((registration) => registration.lgCode === '040002');
    assert.equal(miyagi?.status, 'active');
    assert.equal(miyagi?.origin, 'prefecture_link');
    assert.deepEqual(after.prefectureLinkOptOuts, []);

    await setPrefectureLink({ db: db(), personId, prefectureLgCode: '040002', linked: false });
    const off = await listMyRegistrations({ db: db(), personId });
    const ended = off.registrations.find((registration) => registration.lgCode === '040002');
    assert.deepEqual([ended?.status, ended?.endReason], ['released', 'prefecture_link_removed']);
  });

  it('withdraws at any time; the prefecture link follows; history stays', async () => {
    const { personId } = await signedInClient(runtime, 'leaves@example.jp');
    await registerWithGovernment({ db: db(), personId, lgCode: '042056', input: survey });
    await registerWithGovernment({ db: db(), personId, lgCode: '041009', input: survey });
    await withdrawRegistration({ db: db(), personId, lgCode: '042056' });
    let mine = await listMyRegistrations({ db: db(), personId });
    const miyagi = () =>
      mine.registrations.find((registration) => registration.lgCode === '040002' && registration.status === 'active');
    assert.equal(miyagi()?.linkedFromLgCode, '041009', '仙台市 now holds the prefecture link');
    await withdrawRegistration({ db: db(), personId, lgCode: '041009' });
    mine = await listMyRegistrations({ db: db(), personId });
    assert.equal(miyagi(), undefined);
    assert.deepEqual(mine.registrations.map((registration) => [registration.lgCode, registration.status]).sort(), [
      ['040002', 'released'],
      ['041009', 'withdrawn'],
      ['042056', 'withdrawn'],
    ]);
    await refusedWith(withdrawRegistration({ db: db(), personId, lgCode: '042056' }), 'registration_not_found');
  });

  it('refuses premium without a card verification', async () => {
    const { personId } = await signedInClient(runtime, 'unverified@example.jp');
    await registerWithGovernment({ db: db(), personId, lgCode: '363421', input: survey });
    await refusedWith(applyForPremium({ db: db(), personId, lgCode: '363421' }), 'premium_requires_verification');
  });

  it('caps premium at 3, not counting a prefecture with its municipality; approval gives one year', async () => {
    const { client, personId } = await signedInClient(runtime, 'adult@example.jp');
    await verifyAs(client, 'adult');
    for (const lgCode of ['042056', '363421', '113611', '074071']) {
      await registerWithGovernment({ db: db(), personId, lgCode, input: survey });
    }
    for (const lgCode of ['042056', '040002', '363421', '113611']) {
      const applied = await applyForPremium({ db: db(), personId, lgCode });
      assert.equal(applied.status, 'pending', lgCode);
      assert.deepEqual([applied.judgement.count, applied.judgement.required], [0, 3]);
    }
    await refusedWith(applyForPremium({ db: db(), personId, lgCode: '074071' }), 'premium_limit_reached');
    await refusedWith(applyForPremium({ db: db(), personId, lgCode: '070009' }), 'premium_limit_reached');
    await refusedWith(applyForPremium({ db: db(), personId, lgCode: '042056' }), 'premium_application_pending');

    const application = await withTenant(db(), '363421', (scope) =>
      scope.trx
        .selectFrom('premium_applications')
        .select('id')
        .where('person_id', '=', personId)
        .executeTakeFirstOrThrow(),
    );
    const staff: Actor = {
      kind: 'staff',
      id: 'staff-of-kamiyama',
      secondFactor: true,
      memberships: [{ lgCode: '363421', membershipId: 'm', role: 'tenant_staff', organisationId: null }],
    };
    const outsider: Actor = {
      ...staff,
      memberships: [{ lgCode: '042056', membershipId: 'm', role: 'tenant_admin', organisationId: null }],
    };
    await refusedWith(
      decidePremiumApplication({
        db: db(),
        actor: outsider,
        lgCode: '363421',
        applicationId: application.id,
        input: { decision: 'approve' },
      }),
      'not_found',
    );
    await decidePremiumApplication({
      db: db(),
      actor: staff,
      lgCode: '363421',
      applicationId: application.id,
      input: { decision: 'approve' },
    });
    const premium = (await listMyRegistrations({ db: db(), personId })).registrations.find(
      (row) => row.lgCode === '363421',
    );
    assert.equal(premium?.tier, 'premium');
    const days = ((premium?.premiumValidUntil?.getTime() ?? 0) - Date.now()) / (24 * 60 * 60 * 1000);
    assert.ok(days > 364.9 && days <= 365, `valid for a year, got ${days}`);
    await refusedWith(
      decidePremiumApplication({
        db: db(),
        actor: staff,
        lgCode: '363421',
        applicationId: application.id,
        input: { decision: 'approve' },
      }),
      'premium_application_decided',
    );
    const mail = await runtime.mail.waitForMail('adult@example.jp', (message) => message.subject.includes('承認'));
    assert.match(mail.subject, /徳島県神山町/);
  });

  it('allows basic where the person lives, flagged 住所地 and left out of the related population; refuses premium there', async () => {
    const { client, personId } = await signedInClient(runtime, 'guardian@example.jp');
    await verifyAs(client, 'guardian');
    const before = await countCurrentRegistrations({ db: db(), lgCode: '042056' });
    const { registration, linkedPrefecture } = await registerWithGovernment({
      db: db(),
      personId,
      lgCode: '042056',
      input: survey,
    });
    assert.equal(registration.own_residence, true);
    assert.equal(linkedPrefecture?.own_residence, true, 'living in 気仙沼市 is living in 宮城県');
    const after = await countCurrentRegistrations({ db: db(), lgCode: '042056' });
    assert.equal(after.total, before.total + 1);
    assert.equal(after.relatedPopulation, before.relatedPopulation, 'not counted as related population');
    await refusedWith(applyForPremium({ db: db(), personId, lgCode: '042056' }), 'premium_not_at_residence');
    await refusedWith(applyForPremium({ db: db(), personId, lgCode: '040002' }), 'premium_not_at_residence');
  });

  it('flags 住所地 from the declared residence of a person who has not verified', async () => {
    const { personId } = await signedInClient(runtime, 'declared@example.jp');
    const { registration } = await registerWithGovernment({
      db: db(),
      personId,
      lgCode: '131016',
      input: { ...survey, declaredResidenceLgCode: '131016' },
    });
    assert.equal(registration.own_residence, true);
    assert.equal(registration.residence_prefecture_code, '13');
    await refusedWith(
      registerWithGovernment({
        db: db(),
        personId,
        lgCode: '363421',
        input: { ...survey, declaredResidenceLgCode: '130001' },
      }),
      'validation_failed',
    );
  });

  it('refuses premium for a minor without a guardian’s consent', async () => {
    const { client, personId } = await signedInClient(runtime, 'minor@example.jp');
    await verifyAs(client, 'minor');
    await registerWithGovernment({ db: db(), personId, lgCode: '363421', input: survey });
    await refusedWith(applyForPremium({ db: db(), personId, lgCode: '363421' }), 'premium_requires_guardian_consent');
    const [row] = (await listMyRegistrations({ db: db(), personId })).registrations;
    assert.equal(row?.tier, 'basic');
  });

  it('decides at once in automatic mode, explaining what is missing', async () => {
    const { client, personId } = await signedInClient(runtime, 'hokkaido@example.jp');
    await verifyAs(client, 'hokkaido');
    await withTenant(db(), '113611', (scope) =>
      scope.trx
        .updateTable('tenants')
        .set({ settings: JSON.stringify({ registration: { premiumMode: 'automatic', premiumMinActivities: 2 } }) })
        .execute(),
    );
    await registerWithGovernment({ db: db(), personId, lgCode: '113611', input: survey });
    const applied = await applyForPremium({ db: db(), personId, lgCode: '113611' });
    assert.equal(applied.status, 'rejected');
    assert.match(applied.judgement.explanation.ja, /0回（必要 2回）: あと2回必要です/);
    const rejection = await runtime.mail.waitForMail('hokkaido@example.jp', (message) =>
      message.subject.includes('申請について'),
    );
    assert.match(rejection.text, /あと2回必要です/);
  });
});
