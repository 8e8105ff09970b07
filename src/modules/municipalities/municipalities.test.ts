import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { systemActor, type Actor } from '../../platform/audit.js';
import { withTenant } from '../../platform/db/tenant-scope.js';
import { AppError } from '../../platform/errors.js';
import type { AppRouter } from '../../platform/http/app.js';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database.js';
import { testApp } from '../../../test/support/app.js';
import { getTenant, joinTenant, updateTenantSettings } from './index.js';
import { canBeTenant, mayJoinTenant, mayUpdateTenantSettings } from './municipalities.policy.js';

interface Page {
  items: Array<{ lgCode: string; name: string; kind: string; participating: boolean; prefecture: { code: string } }>;
  total: number;
  totalPages: number;
  page: number;
}

describe('municipalities', () => {
  let database: TestDatabase;
  let app: AppRouter;
  const getJson = async <T>(path: string, headers: Record<string, string> = {}) => {
    const response = await app.request(path, { headers });
    return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as T };
  };

  before(async () => {
    database = await openTestDatabase();
    app = testApp(database);
    await joinTenant({ db: database.db, actor: systemActor, lgCode: '042056' });
  });

  after(async () => {
    await database.close();
  });

  describe('GET /api/v1/municipalities', () => {
    it('lists the 1,741 municipalities and 47 prefectures, wards only on request', async () => {
      const all = await getJson<Page>('/api/v1/municipalities?perPage=1');
      assert.equal(all.body.total, 1741 + 47);
      const prefectures = await getJson<Page>('/api/v1/municipalities?kind=prefecture&perPage=100');
      assert.equal(prefectures.body.total, 47);
      const wards = await getJson<Page>('/api/v1/municipalities?kind=designated_city_ward&perPage=1');
      assert.equal(wards.body.total, 175);
    });

    const prefixCases: Array<[string, string, string]> = [
      ['kanji', '気仙', '042056'],
      ['hiragana reading', 'けせんぬま', '042056'],
      ['katakana reading', 'ケセンヌマ', '042056'],
      ['half-width katakana', 'ｹｾﾝﾇﾏ', '042056'],
      ['with spaces', ' けせん ぬま ', '042056'],
      ['prefecture by kanji', '宮城', '040002'],
    ];
    for (const [label, query, expected] of prefixCases) {
      it(`finds by ${label} prefix (${JSON.stringify(query)})`, async () => {
        const { status, body } = await getJson<Page>(`/api/v1/municipalities?q=${encodeURIComponent(query)}`);
        assert.equal(status, 200);
        assert.ok(
          body.items.some((item) => item.lgCode === expected),
          `${expected} in ${body.items.map((item) => item.name).join(', ')}`,
        );
      });
    }

    it('matches only prefixes, and treats LIKE wildcards literally', async () => {
      const middle = await getJson<Page>(`/api/v1/municipalities?q=${encodeURIComponent('仙沼')}`);
      assert.equal(middle.body.total, 0);
      const wildcard = await getJson<Page>(`/api/v1/municipalities?q=${encodeURIComponent('%')}`);
      assert.equal(wildcard.body.total, 0);
    });

    it('filters by prefecture and pages in code order', async () => {
      const first = await getJson<Page>('/api/v1/municipalities?prefecture=01&perPage=50');
      // 北海道: the prefecture plus 179 municipalities.
      assert.equal(first.body.total, 180);
      assert.equal(first.body.totalPages, 4);
      assert.ok(first.body.items.every((item) => item.prefecture.code === '01'));
      const second = await getJson<Page>('/api/v1/municipalities?prefecture=01&perPage=50&page=2');
      assert.equal(second.body.page, 2);
      assert.ok((first.body.items.at(-1)?.lgCode ?? '') < (second.body.items[0]?.lgCode ?? ''));
    });

    it('shows which governments take part, and filters on it', async () => {
      const joined = await getJson<Page>('/api/v1/municipalities?participating=true');
      assert.deepEqual(
        joined.body.items.map((item) => item.lgCode),
        ['042056'],
      );
      assert.equal(joined.body.items[0]?.participating, true);
    });

    const badQueries: Array<[string, string]> = [
      ['prefecture=48', 'prefecture'],
      ['prefecture=1', 'prefecture'],
      ['kind=hamlet', 'kind'],
      ['perPage=101', 'perPage'],
      ['page=0', 'page'],
      ['page=abc', 'page'],
      [`q=${'あ'.repeat(51)}`, 'q'],
      ['participating=yes', 'participating'],
    ];
    for (const [query, field] of badQueries) {
      it(`answers ${query} with a 400 problem naming ${field}`, async () => {
        const { status, type, body } = await getJson<{ code: string; errors: Array<{ field: string; in: string }> }>(
          `/api/v1/municipalities?${query}`,
        );
        assert.equal(status, 400);
        assert.match(type ?? '', /^application\/problem\+json/);
        assert.equal(body.code, 'validation_failed');
        assert.deepEqual(
          body.errors.map((error) => [error.field, error.in]),
          [[field, 'query']],
        );
      });
    }
  });

  describe('GET /api/v1/municipalities/{lgCode}', () => {
    it('returns a municipality with its prefecture, office position and URL', async () => {
      const { status, body } = await getJson<Record<string, unknown>>('/api/v1/municipalities/042056');
      assert.equal(status, 200);
      assert.deepEqual(
        { ...body, location: undefined },
        {
          lgCode: '042056',
          name: '気仙沼市',
          nameKana: 'けせんぬまし',
          kind: 'city',
          prefecture: { code: '04', name: '宮城県', nameEn: 'Miyagi' },
          parentLgCode: null,
          location: undefined,
          url: 'https://www.kesennuma.miyagi.jp/',
          participating: true,
          wards: [],
        },
      );
    });

    it('lists the wards of a designated city and points a ward to its city', async () => {
      const city = await getJson<{ wards: Array<{ lgCode: string; name: string }> }>('/api/v1/municipalities/011002');
      assert.equal(city.body.wards.length, 10);
      assert.equal(city.body.wards[0]?.name, '札幌市中央区');
      const ward = await getJson<{ kind: string; parentLgCode: string }>('/api/v1/municipalities/011011');
      assert.deepEqual([ward.body.kind, ward.body.parentLgCode], ['designated_city_ward', '011002']);
    });

    it('returns a special ward of Tokyo and a prefecture', async () => {
      const chiyoda = await getJson<{ kind: string; name: string }>('/api/v1/municipalities/131016');
      assert.deepEqual([chiyoda.body.kind, chiyoda.body.name], ['special_ward', '千代田区']);
      const hokkaido = await getJson<{ kind: string; name: string }>('/api/v1/municipalities/010006');
      assert.deepEqual([hokkaido.body.kind, hokkaido.body.name], ['prefecture', '北海道']);
    });

    it('answers an unknown but well-formed code with a 404 problem', async () => {
      // 999997 has a correct check digit but names no government.
      const { status, type, body } = await getJson<{ code: string; title: string }>('/api/v1/municipalities/999997');
      assert.equal(status, 404);
      assert.match(type ?? '', /^application\/problem\+json/);
      assert.equal(body.code, 'municipality_not_found');
      assert.equal(body.title, '自治体が見つかりません');
    });

    it('answers a bad check digit or a malformed code with a 400 naming lgCode, in the asked language', async () => {
      for (const code of ['042055', '42056', 'abcdef', '0420567']) {
        const { status, body } = await getJson<{ errors: Array<{ field: string; in: string }>; title: string }>(
          `/api/v1/municipalities/${code}`,
          { 'Accept-Language': 'en-US,en;q=0.9' },
        );
        assert.equal(status, 400, code);
        assert.deepEqual(
          body.errors.map((error) => [error.field, error.in]),
          [['lgCode', 'path']],
          code,
        );
        assert.equal(body.title, 'Invalid input');
      }
    });
  });

  it('GET /api/v1/prefectures lists the 47 prefectures', async () => {
    const { body } = await getJson<{ items: Array<{ code: string; name: string; nameEn: string }> }>(
      '/api/v1/prefectures',
    );
    assert.equal(body.items.length, 47);
    assert.deepEqual(body.items[46], { ...body.items[46], code: '47', name: '沖縄県', nameEn: 'Okinawa' });
  });

  describe('pages', () => {
    it('「自治体をさがす」 lists results in Japanese by default', async () => {
      const response = await app.request(`/municipalities?q=${encodeURIComponent('けせん')}`);
      assert.equal(response.status, 200);
      const html = await response.text();
      assert.match(html, /<html lang="ja">/);
      assert.match(html, /自治体をさがす/);
      assert.match(html, /href="\/municipalities\/042056">宮城県 気仙沼市<\/a>/);
      assert.match(html, /参加中/);
      assert.match(html, /1件/);
    });

    it('speaks English when the browser asks for it, and the switch link stores the choice', async () => {
      const english = await (await app.request('/municipalities', { headers: { 'Accept-Language': 'en' } })).text();
      assert.match(english, /<html lang="en">/);
      assert.match(english, /Find a local government/);
      const switched = await app.request('/municipalities?lang=en');
      assert.match(switched.headers.get('set-cookie') ?? '', /lang=en/);
    });

    it('shows a readable Japanese message for a bad query, with status 400', async () => {
      const response = await app.request('/municipalities?page=abc');
      assert.equal(response.status, 400);
      const html = await response.text();
      assert.match(html, /role="alert"/);
      assert.match(html, /次の項目を確認してください/);
      assert.match(html, /ページ/);
    });

    it('shows a Japanese 404 page for an unknown government', async () => {
      const response = await app.request('/municipalities/999997');
      assert.equal(response.status, 404);
      assert.match(await response.text(), /自治体が見つかりません/);
    });
  });

  describe('tenants', () => {
    const operator: Actor = { kind: 'operator', id: 'operator-1' };

    it('joining writes the tenant and its audit event together', async () => {
      const tenant = await joinTenant({
        db: database.db,
        actor: operator,
        lgCode: '113611',
        settings: { contactEmail: 'furusato@yokoze.example.jp' },
      });
      assert.equal(tenant.status, 'active');
      const events = await withTenant(database.db, '113611', (scope) =>
        scope.trx.selectFrom('audit_events').select(['action', 'actor_kind', 'actor_id']).execute(),
      );
      assert.deepEqual(events, [{ action: 'tenant.joined', actor_kind: 'operator', actor_id: 'operator-1' }]);
    });

    it('refuses to join twice, a ward, an unknown code, or a person', async () => {
      const attempts: Array<[string, Actor, string]> = [
        ['042056', operator, 'tenant_already_joined'],
        ['011011', operator, 'validation_failed'],
        ['999997', operator, 'municipality_not_found'],
        ['363421', { kind: 'person', id: 'p-1' }, 'forbidden'],
      ];
      for (const [lgCode, actor, code] of attempts) {
        await assert.rejects(joinTenant({ db: database.db, actor, lgCode }), (error: unknown) => {
          assert.ok(error instanceof AppError);
          assert.equal(error.code, code, lgCode);
          return true;
        });
      }
    });

    it('updates settings, validated whole, and audits the changed keys only', async () => {
      await updateTenantSettings({
        db: database.db,
        actor: operator,
        lgCode: '042056',
        settings: { contactEmail: 'new@kesennuma.example.jp', contactPhone: '0226-22-6600' },
      });
      const tenant = await getTenant({ db: database.db, lgCode: '042056' });
      assert.equal(tenant.settings.contactPhone, '0226-22-6600');
      const event = await withTenant(database.db, '042056', (scope) =>
        scope.trx
          .selectFrom('audit_events')
          .select('data')
          .where('action', '=', 'tenant.settings_updated')
          .executeTakeFirstOrThrow(),
      );
      assert.deepEqual(event.data, { changedKeys: ['contactEmail', 'contactPhone'] });
      await assert.rejects(
        updateTenantSettings({
          db: database.db,
          actor: operator,
          lgCode: '042056',
          settings: { contactEmail: 'not-an-address' },
        }),
      );
      const unchanged = await getTenant({ db: database.db, lgCode: '042056' });
      assert.equal(unchanged.settings.contactEmail, 'new@kesennuma.example.jp');
    });

    it('policy table', () => {
      const table: Array<[string, boolean, boolean]> = [
        ['operator', true, true],
        ['system', true, true],
        ['staff', false, false],
        ['person', false, false],
      ];
      for (const [kind, join, update] of table) {
        const actor = { kind, id: 'x' } as Actor;
        assert.equal(mayJoinTenant(actor), join, kind);
        assert.equal(mayUpdateTenantSettings(actor, '042056'), update, kind);
      }
      assert.equal(canBeTenant('designated_city_ward'), false);
      assert.equal(canBeTenant('town'), true);
      assert.equal(canBeTenant('prefecture'), true);
    });
  });
});
