import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registerPersonalData } from '../../platform/privacy.js';
import { signedInClient, startTestRuntime, type TestRuntime } from '../../../test/support/runtime.js';

/** A module's personal data as the privacy use cases see it; it can be told to fail its erase. */
let probeFailsErase = false;
const probeErased: string[] = [];
registerPersonalData({
  name: 'probe',
  export: async (_db, personId) => ({ probeFor: personId }),
  erase: async (_trx, personId) => {
    if (probeFailsErase) throw new Error('probe refuses to erase');
    probeErased.push(personId);
  },
});

describe('privacy rights', () => {
  let runtime: TestRuntime;

  before(async () => {
    runtime = await startTestRuntime();
  });

  after(async () => {
    await runtime.close();
  });

  it('downloads everything kept about the person, as JSON, and audits the export', async () => {
    const { client, personId } = await signedInClient(runtime, 'export@example.jp');
    const response = await client.get('/account/export');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-disposition') ?? '', /attachment; filename="furusato-my-data.json"/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const document = (await response.json()) as {
      account: { person: { email: string }; sessions: unknown[]; events: Array<{ action: string }> };
      probe: { probeFor: string };
    };
    assert.equal(document.account.person.email, 'export@example.jp');
    assert.equal(document.account.sessions.length, 1);
    assert.deepEqual(
      document.account.events.map((event) => event.action),
      ['person.signed_up'],
    );
    assert.deepEqual(document.probe, { probeFor: personId }, 'every registered module contributes');
    const exported = await runtime.database.db
      .selectFrom('person_audit_events')
      .select('action')
      .where('subject', '=', `person:${personId}`)
      .where('action', '=', 'person.data_exported')
      .execute();
    assert.equal(exported.length, 1);
    assert.equal((await runtime.client().get('/api/v1/me/export')).status, 401);
  });

  it('asks for confirmation before deleting', async () => {
    const { client } = await signedInClient(runtime, 'careful@example.jp');
    const response = await client.postForm('/account/delete', { confirmation: 'yes' });
    assert.equal(response.status, 400);
    assert.match(await response.text(), /「削除」と入力してください/);
    assert.equal((await client.get('/api/v1/me')).status, 200, 'still signed in, nothing deleted');
  });

  it('deletes the account: erases personal data, ends sessions, keeps a pseudonymous trail', async () => {
    const phone = await signedInClient(runtime, 'leaving@example.jp');
    const laptop = await signedInClient(runtime, 'leaving@example.jp');
    const response = await laptop.client.postForm('/account/delete', { confirmation: '削除' });
    assert.equal(response.status, 200);
    assert.match(await response.text(), /アカウントを削除しました/);
    assert.equal((await laptop.client.get('/api/v1/me')).status, 401);
    assert.equal((await phone.client.get('/api/v1/me')).status, 401, 'every session ended');

    const person = await runtime.database.db
      .selectFrom('persons')
      .selectAll()
      .where('id', '=', laptop.personId)
      .executeTakeFirstOrThrow();
    assert.deepEqual([person.email, person.display_name, person.status], [null, null, 'deleted']);
    assert.ok(probeErased.includes(laptop.personId), 'every module erased its part');
    const sessions = await runtime.database.db
      .selectFrom('sessions')
      .select('id')
      .where('person_id', '=', laptop.personId)
      .execute();
    assert.equal(sessions.length, 0);

    const trail = await runtime.database.db
      .selectFrom('person_audit_events')
      .select(['action', 'data'])
      .where('subject', '=', `person:${laptop.personId}`)
      .orderBy('occurred_at')
      .execute();
    assert.equal(trail.at(-1)?.action, 'person.deleted');
    assert.doesNotMatch(JSON.stringify(trail), /leaving@example\.jp/);

    const again = await signedInClient(runtime, 'leaving@example.jp');
    assert.notEqual(again.personId, laptop.personId, 'the address can sign up afresh');
  });

  it('deletes nothing when any part fails to erase (one transaction)', async () => {
    const { client, personId } = await signedInClient(runtime, 'atomic@example.jp');
    probeFailsErase = true;
    try {
      const response = await client.sendJson('/api/v1/me', { confirmation: 'delete' }, 'DELETE');
      assert.equal(response.status, 500);
    } finally {
      probeFailsErase = false;
    }
    const person = await runtime.database.db
      .selectFrom('persons')
      .select(['email', 'status'])
      .where('id', '=', personId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(person, { email: 'atomic@example.jp', status: 'active' });
    assert.equal((await client.get('/api/v1/me')).status, 200, 'the session survived');
  });
});
