import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { v7 as uuidv7 } from 'uuid';
import type { TestClient } from '../../../test/support/client.js';
import { signedInClient, startTestRuntime, type TestRuntime } from '../../../test/support/runtime.js';
import { joinTenants, signedInStaff, type StaffSession } from '../../../test/support/staff.js';
import { withTenant } from '../../platform/db/tenant-scope.js';
import { publishScheduledPost } from './posts.service.js';

const kesennuma = '042056';
const bandai = '074071';

interface StaffPostJson {
  id: string;
  status: string;
  publishAt: string | null;
  publishedAt: string | null;
  organisationId: string | null;
  images: Array<{ id: string; width: number; height: number }>;
}

/** A phone photo: 2400×1800, taken sideways (EXIF orientation 6), with camera and GPS data. */
async function phonePhoto(): Promise<Buffer> {
  return sharp({ create: { width: 2400, height: 1800, channels: 3, background: '#3a7' } })
    .jpeg()
    .withExif({ IFD0: { Make: 'FurusatoCam', Model: 'GPS-9000' }, IFD3: { GPSLatitudeRef: 'N' } })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

describe('posts', () => {
  let runtime: TestRuntime;
  let admin: StaffSession;
  let other: StaffSession;
  let organisationStaff: StaffSession;
  let organisationId: string;
  let otherOrganisationProject: string;
  let ownProject: string;

  before(async () => {
    runtime = await startTestRuntime();
    await joinTenants(runtime, [kesennuma, bandai]);
    admin = await signedInStaff(runtime, {
      lgCode: kesennuma,
      email: 'koho@kesennuma.example.jp',
      role: 'tenant_admin',
    });
    other = await signedInStaff(runtime, { lgCode: bandai, email: 'admin@bandai.example.jp', role: 'tenant_admin' });
    organisationStaff = await signedInStaff(runtime, {
      lgCode: kesennuma,
      email: 'jichikai@kesennuma.example.jp',
      role: 'organisation_staff',
    });
    organisationId = uuidv7();
    const otherOrganisation = uuidv7();
    ownProject = uuidv7();
    otherOrganisationProject = uuidv7();
    await withTenant(runtime.database.db, kesennuma, async (scope) => {
      await scope.trx
        .insertInto('organisations')
        .values([
          { lg_code: kesennuma, id: organisationId, name: '魚町自治会', kind: 'jichikai', status: 'approved' },
          { lg_code: kesennuma, id: otherOrganisation, name: '別の団体', kind: 'npo', status: 'approved' },
        ])
        .execute();
      await scope.trx
        .insertInto('projects')
        .values([
          {
            lg_code: kesennuma,
            id: ownProject,
            organisation_id: organisationId,
            title: '魚町の夏祭り',
            category: 'festival',
            status: 'published',
          },
          {
            lg_code: kesennuma,
            id: otherOrganisationProject,
            organisation_id: otherOrganisation,
            title: 'よその事業',
            category: 'environment',
            status: 'published',
          },
        ])
        .execute();
      await scope.trx
        .updateTable('staff_memberships')
        .set({ organisation_id: organisationId })
        .where('id', '=', organisationStaff.membershipId)
        .execute();
    });
  });

  after(async () => {
    await runtime.close();
  });

  const api = (lgCode: string, path = '') => `/api/v1/tenants/${lgCode}/posts${path}`;

  async function createDraft(client: TestClient, input: Record<string, unknown> = {}): Promise<StaffPostJson> {
    const response = await client.sendJson(api(kesennuma), {
      kind: 'event',
      title: '気仙沼港の朝市ツアー',
      body: '朝市を地元の人と歩きます。',
      tags: ['朝市'],
      ...input,
    });
    assert.equal(response.status, 201, await response.clone().text());
    return (await response.json()) as StaffPostJson;
  }

  const publicStatus = async (postId: string) =>
    (await runtime.client().get(`/api/v1/posts/${kesennuma}/${postId}`)).status;

  const found = async (q: string) =>
    (
      (await (await runtime.client().get(`/api/v1/search/posts?q=${encodeURIComponent(q)}`)).json()) as {
        items: Array<{ id: string }>;
      }
    ).items.map((item) => item.id);

  async function audit(postId: string): Promise<string[]> {
    return withTenant(runtime.database.db, kesennuma, async (scope) =>
      (
        await scope.trx
          .selectFrom('audit_events')
          .select('action')
          .where('subject_id', '=', postId)
          .orderBy('id')
          .execute()
      ).map((row) => row.action),
    );
  }

  it('goes draft → scheduled → published → archived → published, visible only while published', async () => {
    const fan = await signedInClient(runtime, 'fan@example.jp');
    const registered = await fan.client.sendJson('/api/v1/me/registrations', {
      lgCode: kesennuma,
      ties: ['tourism_or_homecoming'],
    });
    assert.equal(registered.status, 201, await registered.clone().text());

    const draft = await createDraft(admin.client);
    assert.equal(draft.status, 'draft');
    assert.equal(await publicStatus(draft.id), 404, 'a draft is not public');
    assert.deepEqual(await found('朝市'), []);

    const past = await admin.client.sendJson(api(kesennuma, `/${draft.id}/schedule`), {
      publishAt: new Date(Date.now() - 60_000).toISOString(),
    });
    assert.equal(past.status, 422);
    const publishAt = new Date(Date.now() + 60 * 60 * 1000);
    const scheduled = (await (
      await admin.client.sendJson(api(kesennuma, `/${draft.id}/schedule`), { publishAt: publishAt.toISOString() })
    ).json()) as StaffPostJson;
    assert.equal(scheduled.status, 'scheduled');
    assert.equal(await publicStatus(draft.id), 404, 'scheduled is not public yet');

    // The publication job at its time (the job runner would run it at publish_at).
    assert.equal(
      await publishScheduledPost({
        db: runtime.database.db,
        lgCode: kesennuma,
        postId: draft.id,
        publishAt,
        now: new Date(publishAt.getTime() - 1000),
      }),
      false,
      'not before its time',
    );
    assert.equal(
      await publishScheduledPost({
        db: runtime.database.db,
        lgCode: kesennuma,
        postId: draft.id,
        publishAt,
        now: publishAt,
      }),
      true,
    );
    assert.equal(await publicStatus(draft.id), 200);
    assert.deepEqual(await found('朝市'), [draft.id]);
    const page = await (await runtime.client().get(`/posts/${kesennuma}/${draft.id}`)).text();
    assert.match(page, /気仙沼港の朝市ツアー/);

    // The registrant is told (in the app; posts are in the daily digest by default).
    await runtime.jobs.drain();
    const notifications = (await (await fan.client.get('/api/v1/me/notifications')).json()) as {
      items: Array<{ kind: string; title: { ja: string }; link: string }>;
    };
    const told = notifications.items.find((item) => item.kind === 'outreach.new_post');
    assert.equal(told?.title.ja, '宮城県気仙沼市：気仙沼港の朝市ツアー');
    assert.equal(told?.link, `/posts/${kesennuma}/${draft.id}`);
    const feed = (await (await fan.client.get('/api/v1/me/feed')).json()) as { items: Array<{ id: string }> };
    assert.ok(feed.items.some((item) => item.id === draft.id));

    const archived = (await (
      await admin.client.sendJson(api(kesennuma, `/${draft.id}/archive`), {})
    ).json()) as StaffPostJson;
    assert.equal(archived.status, 'archived');
    assert.equal(await publicStatus(draft.id), 404);
    assert.deepEqual(await found('朝市'), []);
    const frozen = await admin.client.sendJson(api(kesennuma, `/${draft.id}`), { kind: 'event', title: '変更' }, 'PUT');
    assert.equal(frozen.status, 409);

    const again = (await (
      await admin.client.sendJson(api(kesennuma, `/${draft.id}/publish`), {})
    ).json()) as StaffPostJson;
    assert.equal(again.status, 'published');
    assert.equal(again.publishedAt, archived.publishedAt, 'keeps its first publication date');
    await runtime.jobs.drain();
    const count = await runtime.database.db
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('kind', '=', 'outreach.new_post')
      .where('person_id', '=', fan.personId)
      .executeTakeFirstOrThrow();
    assert.equal(Number(count.count), 1, 'published again: nobody is told twice');

    assert.deepEqual(await audit(draft.id), [
      'post.created',
      'post.scheduled',
      'post.published',
      'post.archived',
      'post.published',
    ]);
  });

  it('a post taken back from the schedule is not published by its job', async () => {
    const draft = await createDraft(admin.client, { title: '予約を取り消す投稿' });
    const publishAt = new Date(Date.now() + 60 * 60 * 1000);
    await admin.client.sendJson(api(kesennuma, `/${draft.id}/schedule`), { publishAt: publishAt.toISOString() });
    const back = (await (
      await admin.client.sendJson(api(kesennuma, `/${draft.id}/unschedule`), {})
    ).json()) as StaffPostJson;
    assert.equal(back.status, 'draft');
    assert.equal(
      await publishScheduledPost({
        db: runtime.database.db,
        lgCode: kesennuma,
        postId: draft.id,
        publishAt,
        now: publishAt,
      }),
      false,
    );
    assert.equal(await publicStatus(draft.id), 404);
    const twice = await admin.client.sendJson(api(kesennuma, `/${draft.id}/archive`), {});
    assert.equal(twice.status, 409, 'a draft cannot be archived');
  });

  it('resizes images and strips their metadata (EXIF, GPS) on upload', async () => {
    const draft = await createDraft(admin.client, { title: '写真つきの投稿' });
    const photo = await phonePhoto();
    assert.ok((await sharp(photo).metadata()).exif, 'the original carries EXIF');
    assert.ok(photo.includes('FurusatoCam'));

    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'IMG_0001.jpg');
    form.set('altText', '朝市の様子');
    const uploaded = await admin.client.request(api(kesennuma, `/${draft.id}/images`), {
      method: 'POST',
      headers: { Origin: 'http://localhost:3000', 'X-CSRF-Token': admin.client.csrfToken },
      body: form,
    });
    assert.equal(uploaded.status, 201, await uploaded.clone().text());
    const image = (await uploaded.json()) as { id: string; width: number; height: number };
    // Turned upright by its orientation, then fitted into 1600 px.
    assert.deepEqual([image.width, image.height], [1200, 1600]);

    await admin.client.sendJson(api(kesennuma, `/${draft.id}/publish`), {});
    const served = await runtime.client().get(`/posts/${kesennuma}/${draft.id}/images/${image.id}`);
    assert.equal(served.status, 200);
    assert.equal(served.headers.get('content-type'), 'image/webp');
    const bytes = Buffer.from(await served.arrayBuffer());
    const metadata = await sharp(bytes).metadata();
    assert.equal(metadata.exif, undefined, 'no EXIF left');
    assert.equal(metadata.xmp, undefined);
    assert.equal(metadata.iptc, undefined);
    assert.ok(!bytes.includes('FurusatoCam') && !bytes.includes('GPS-9000') && !bytes.includes('Exif'));
    const thumbnail = await runtime.client().get(`/posts/${kesennuma}/${draft.id}/images/${image.id}?size=thumb`);
    assert.equal((await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata()).height, 480);

    const notAnImage = new FormData();
    notAnImage.set('file', new Blob(['<svg onload="alert(1)"></svg>'], { type: 'image/jpeg' }), 'x.jpg');
    const refused = await admin.client.request(api(kesennuma, `/${draft.id}/images`), {
      method: 'POST',
      headers: { Origin: 'http://localhost:3000', 'X-CSRF-Token': admin.client.csrfToken },
      body: notAnImage,
    });
    assert.equal(refused.status, 415);
    assert.deepEqual(
      (await audit(draft.id)).filter((action) => action.startsWith('post.image')),
      ['post.image_added'],
    );
  });

  it('another government’s staff, and the public, get 404 for a post; signed out gets 401', async () => {
    const draft = await createDraft(admin.client, { title: '気仙沼市の下書き' });
    const path = api(kesennuma, `/${draft.id}`);
    assert.equal((await other.client.get(path)).status, 404);
    assert.equal((await other.client.get(api(kesennuma))).status, 404);
    assert.equal((await other.client.sendJson(path, { kind: 'notice', title: '乗っ取り' }, 'PUT')).status, 404);
    assert.equal((await other.client.sendJson(`${path}/publish`, {})).status, 404);
    assert.equal((await other.client.sendJson(`${path}/images/${uuidv7()}`, undefined, 'DELETE')).status, 404);
    // Asking for the post under its own government's code does not find it either.
    assert.equal((await other.client.get(api(bandai, `/${draft.id}`))).status, 404);
    assert.equal((await runtime.client().get(path)).status, 401);
    assert.equal((await other.client.get(`/staff/${kesennuma}/posts/${draft.id}`)).status, 404);
    const unchanged = (await (await admin.client.get(path)).json()) as { title: string; status: string };
    assert.deepEqual([unchanged.title, unchanged.status], ['気仙沼市の下書き', 'draft']);
  });

  it('an organisation’s staff post for their organisation and see only its posts and projects', async () => {
    const mine = await createDraft(organisationStaff.client, {
      kind: 'recruitment',
      title: '魚町の夏祭り 担い手募集',
      projectId: ownProject,
    });
    assert.equal(mine.organisationId, organisationId);
    const government = await createDraft(admin.client, { title: '市の投稿' });
    assert.equal((await organisationStaff.client.get(api(kesennuma, `/${government.id}`))).status, 404);
    const list = (await (await organisationStaff.client.get(api(kesennuma))).json()) as {
      items: Array<{ id: string }>;
    };
    assert.deepEqual(
      list.items.map((item) => item.id),
      [mine.id],
    );
    const foreign = await organisationStaff.client.sendJson(api(kesennuma), {
      kind: 'recruitment',
      title: 'よその事業の募集',
      projectId: otherOrganisationProject,
    });
    assert.equal(foreign.status, 422);
    const noProject = await organisationStaff.client.sendJson(api(kesennuma), {
      kind: 'recruitment',
      title: '事業なし',
    });
    assert.equal(((await noProject.json()) as { code: string }).code, 'post_project_required');

    await withTenant(runtime.database.db, kesennuma, (scope) =>
      scope.trx.updateTable('organisations').set({ status: 'suspended' }).where('id', '=', organisationId).execute(),
    );
    const suspended = await organisationStaff.client.sendJson(api(kesennuma, `/${mine.id}/publish`), {});
    assert.equal(suspended.status, 409);
    assert.equal(((await suspended.json()) as { code: string }).code, 'organisation_not_approved');
  });

  it('staff pages: write, publish and see the post in the list', async () => {
    const form = await admin.client.get(`/staff/${kesennuma}/posts/new`);
    assert.equal(form.status, 200);
    const created = await admin.client.postForm(`/staff/${kesennuma}/posts`, {
      kind: 'notice',
      title: '窓口の年末年始の休み',
      body: '12月29日から1月3日まで休みます。',
      audience: 'public',
      tags: '窓口, お休み',
      startsAt: '2031-12-29T00:00',
    });
    assert.equal(created.status, 303);
    const location = created.headers.get('location') ?? '';
    assert.match(location, /^\/staff\/042056\/posts\/[0-9a-f-]{36}\?notice=created$/);
    const postPath = location.split('?')[0]!;
    const published = await admin.client.postForm(`${postPath}/publish`);
    assert.equal(published.status, 303);
    const list = await (await admin.client.get(`/staff/${kesennuma}/posts?status=published`)).text();
    assert.match(list, /窓口の年末年始の休み/);
    const detail = (await (
      await admin.client.get(`/api/v1/tenants/${kesennuma}${postPath.replace(`/staff/${kesennuma}`, '')}`)
    ).json()) as {
      tags: string[];
      startsAt: string;
    };
    assert.deepEqual(detail.tags, ['窓口', 'お休み']);
    assert.equal(detail.startsAt, '2031-12-28T15:00:00.000Z', 'the form’s time is Japan time');
    const refused = await admin.client.postForm(`/staff/${kesennuma}/posts`, { kind: 'notice', title: '' });
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /タイトルを入力してください/);
  });
});
