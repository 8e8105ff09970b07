import { AxeBuilder } from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import QRCode from 'qrcode';
import { checkinCodeUrl, codeMac, sessionCodeKey, slotAt } from '../../src/modules/activities/checkin-code.js';
import { signCardToken } from '../../src/modules/registrations/card.service.js';
import { registerWithGovernment } from '../../src/modules/registrations/index.js';
import { withTenant } from '../../src/platform/db/tenant-scope.js';
import { testConfig } from '../support/app.js';
import { browserSkipReason, chromiumPath, launchBrowser, watchPage, type PageProblems } from '../support/browser.js';
import { signedInClient, startTestRuntime, type TestRuntime } from '../support/runtime.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { joinTenants, signedInStaff, type StaffSession } from '../support/staff.js';

const kesennuma = '042056';
const config = testConfig();

/**
 * Check-in in real browsers: the organiser's desk shows the changing code and participants check in by
 * scanning it — once through the scan handler with the decoded text, once through a camera that Chromium
 * feeds with a video of the code; the desk reads registration cards with the network cut, keeps the scans
 * across a reload served by its service worker, sends them when the network returns, and a batch whose
 * answer was lost on the way is sent again without counting anyone twice.
 */
describe('check-in in a browser', { skip: browserSkipReason(), timeout: 240_000 }, () => {
  let runtime: TestRuntime;
  let server: TestServer;
  let browser: Browser;
  let organiser: StaffSession;
  let sessionId: string;
  const contexts: Array<{ context: BrowserContext; problems: PageProblems; allowOffline?: boolean }> = [];
  const registrants: Array<{ personId: string; registrationId: string; sid: string; name: string }> = [];

  before(async () => {
    runtime = await startTestRuntime();
    await joinTenants(runtime, [kesennuma]);
    organiser = await signedInStaff(runtime, {
      lgCode: kesennuma,
      email: 'clerk@kesennuma.example.jp',
      role: 'tenant_staff',
    });
    const api = `/api/v1/tenants/${kesennuma}`;
    const project = (await (
      await organiser.client.sendJson(`${api}/projects`, { title: '大島 海岸清掃', category: 'environment' })
    ).json()) as { id: string };
    await organiser.client.sendJson(`${api}/projects/${project.id}/designation`, { designation: 'designated' }, 'PUT');
    await organiser.client.sendJson(`${api}/projects/${project.id}/status`, { status: 'published' }, 'PUT');
    const session = (await (
      await organiser.client.sendJson(`${api}/projects/${project.id}/sessions`, {
        startsAt: new Date(Date.now() - 10 * 60_000).toISOString(),
        endsAt: new Date(Date.now() + 3 * 60 * 60_000).toISOString(),
      })
    ).json()) as { id: string };
    sessionId = session.id;
    for (const [email, name] of [
      ['kaito@example.jp', '佐々木 海斗'],
      ['hina@example.jp', '高橋 ひな'],
      ['riku@example.jp', '小野寺 陸'],
      ['mio@example.jp', '菅原 美桜'],
    ] as const) {
      const { client, personId } = await signedInClient(runtime, email);
      await client.sendJson('/api/v1/me', { displayName: name, locale: 'ja' }, 'PATCH');
      const { registration } = await registerWithGovernment({
        db: runtime.database.db,
        personId,
        lgCode: kesennuma,
        input: { ties: ['tourism_or_homecoming'] },
      });
      registrants.push({ personId, registrationId: registration.id, sid: client.cookies.get('sid') ?? '', name });
    }
    server = await startTestServer(runtime.database);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await runtime?.close();
  });

  afterEach(async () => {
    const problems = contexts.flatMap((entry) =>
      entry.problems.errors.filter(
        // With the network cut on purpose, the browser reports the failed requests it was asked to make.
        (error) =>
          !(
            entry.allowOffline &&
            /ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_RESET|Failed to fetch|net::ERR_FAILED/.test(error)
          ),
      ),
    );
    await Promise.all(contexts.map((entry) => entry.context.close()));
    contexts.length = 0;
    assert.deepEqual(problems, [], `errors in the browser console:\n${problems.join('\n')}`);
  });

  async function open(
    on: Browser,
    sid: string,
    options: { phone?: boolean; allowOffline?: boolean } = {},
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await on.newContext({
      baseURL: server.url,
      locale: 'ja-JP',
      ...(options.phone ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } : {}),
    });
    context.setDefaultTimeout(15_000);
    await context.addCookies([{ name: 'sid', value: sid, url: server.url }]);
    const page = await context.newPage();
    contexts.push({ context, problems: watchPage(page), ...(options.allowOffline ? { allowOffline: true } : {}) });
    return { context, page };
  }

  async function attendanceOf(personId: string) {
    return withTenant(runtime.database.db, kesennuma, (scope) =>
      scope.trx
        .selectFrom('attendance')
        .select(['method', 'status'])
        .where('lg_code', '=', kesennuma)
        .where('session_id', '=', sessionId)
        .where('person_id', '=', personId)
        .execute(),
    );
  }

  const deskPath = () => `/staff/${kesennuma}/sessions/${sessionId}/check-in`;

  it('the desk shows a code that changes; a participant scanning it is checked in', async () => {
    const desk = await open(browser, organiser.client.cookies.get('sid') ?? '');
    await desk.page.goto(deskPath());
    await desk.page.locator('[data-checkin-organiser][data-ready="true"]').waitFor();
    const code = (await desk.page.locator('canvas[data-session-qr]').getAttribute('data-code')) ?? '';
    assert.match(code, new RegExp(`/c/${kesennuma}/${sessionId}/\\d+\\.[A-Za-z0-9_-]{22}$`));
    await desk.page.getByText(/あと\d+秒で切り替わります/).waitFor();
    const { violations } = await new AxeBuilder({ page: desk.page }).analyze();
    assert.deepEqual(
      violations
        .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
        .map((v) => v.id),
      [],
    );

    const phone = await open(browser, registrants[0]!.sid, { phone: true });
    await phone.page.goto('/my/check-in');
    await phone.page.locator('[data-checkin-participant][data-ready="true"]').waitFor();
    await phone.page.evaluate(async (text) => {
      const root = document.querySelector('[data-checkin-participant]') as HTMLElement & {
        checkinScan: (text: string) => Promise<void>;
      };
      await root.checkinScan(text);
    }, code);
    await phone.page.getByText('チェックインしました： 大島 海岸清掃').waitFor();
    assert.deepEqual(await attendanceOf(registrants[0]!.personId), [{ method: 'session_qr', status: 'present' }]);

    // The same code again the same day: told, not counted twice.
    await phone.page.evaluate(async (text) => {
      const root = document.querySelector('[data-checkin-participant]') as HTMLElement & {
        checkinScan: (text: string) => Promise<void>;
      };
      await root.checkinScan(text);
    }, code);
    await phone.page.getByText(/本日はすでにチェックイン済みです/).waitFor();
    assert.equal((await attendanceOf(registrants[0]!.personId)).length, 1);
  });

  it('a phone camera fed with the code on the screen checks the participant in', async () => {
    // A video of the current code, as Chromium's fake camera plays it (YUV 4:2:0, the code in luma).
    const key = sessionCodeKey(config.APP_SECRET, kesennuma, sessionId);
    const slot = slotAt(new Date());
    const text = checkinCodeUrl(server.url, kesennuma, sessionId, slot, codeMac(key, slot));
    const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
    const width = 640;
    const height = 480;
    const moduleSize = 8;
    const side = (qr.modules.size + 8) * moduleSize;
    const luma = Buffer.alloc(width * height, 255);
    const left = Math.floor((width - side) / 2) + 4 * moduleSize;
    const top = Math.floor((height - side) / 2) + 4 * moduleSize;
    for (let row = 0; row < qr.modules.size; row += 1) {
      for (let column = 0; column < qr.modules.size; column += 1) {
        if (!qr.modules.get(row, column)) continue;
        for (let y = 0; y < moduleSize; y += 1) {
          luma.fill(
            0,
            (top + row * moduleSize + y) * width + left + column * moduleSize,
            (top + row * moduleSize + y) * width + left + (column + 1) * moduleSize,
          );
        }
      }
    }
    const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
    const frames = Array.from({ length: 5 }, () => Buffer.concat([Buffer.from('FRAME\n'), luma, chroma]));
    const folder = await mkdtemp(join(tmpdir(), 'furusato-camera-'));
    const video = join(folder, 'code.y4m');
    await writeFile(
      video,
      Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F5:1 Ip A1:1 C420jpeg\n`), ...frames]),
    );

    const withCamera = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-video-capture=${video}`,
      ],
    });
    try {
      const phone = await open(withCamera, registrants[1]!.sid, { phone: true });
      await phone.context.grantPermissions(['camera'], { origin: server.url });
      await phone.page.goto(`/my/check-in?session=${sessionId}`);
      await phone.page.getByRole('button', { name: 'カメラを起動してQRコードを読み取る' }).click();
      await phone.page.getByText('チェックインしました： 大島 海岸清掃').waitFor({ timeout: 30_000 });
      assert.deepEqual(await attendanceOf(registrants[1]!.personId), [{ method: 'session_qr', status: 'present' }]);
    } finally {
      await Promise.all(
        contexts.filter((entry) => entry.context.browser() === withCamera).map((entry) => entry.context.close()),
      );
      contexts.splice(0, contexts.length, ...contexts.filter((entry) => entry.context.browser() !== withCamera));
      await withCamera.close();
    }
  });

  it('offline: cards scanned with the network cut wait on the device, survive a reload and are sent once', async () => {
    const desk = await open(browser, organiser.client.cookies.get('sid') ?? '', { allowOffline: true });
    await desk.page.goto(deskPath());
    await desk.page.locator('[data-checkin-organiser][data-ready="true"]').waitFor();
    // The service worker takes the page over; the next load goes through it and is kept.
    await desk.page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await desk.page.reload();
    await desk.page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await desk.page.locator('[data-checkin-organiser][data-ready="true"]').waitFor();

    await desk.context.setOffline(true);
    await desk.page.getByText(/オフライン：/).waitFor();
    const cards: string[] = [];
    for (const registrant of registrants.slice(2)) {
      const card = await signCardToken({ config, lgCode: kesennuma, registrationId: registrant.registrationId });
      cards.push(`${server.url}/verify?token=${card.token}`);
    }
    for (const card of cards) {
      await desk.page.getByLabel('読み取った内容').fill(card);
      await desk.page.getByRole('button', { name: '記録する' }).click();
    }
    await desk.page.getByText('送信待ち 2件').waitFor();

    // Reloaded without network: the kept page opens and the scans are still waiting.
    await desk.page.reload();
    await desk.page.locator('[data-checkin-organiser][data-ready="true"]').waitFor();
    await desk.page.getByText('送信待ち 2件').waitFor();
    assert.equal(await desk.page.locator('canvas[data-session-qr]').getAttribute('data-code').then(Boolean), true);
    for (const registrant of registrants.slice(2)) assert.deepEqual(await attendanceOf(registrant.personId), []);

    // Back online, the first answer is lost on the way: the server recorded the scans, the device did
    // not hear so and keeps them.
    let lost = 0;
    let answerLost = () => {};
    const lostOnTheWay = new Promise<void>((resolve) => {
      answerLost = resolve;
    });
    await desk.context.route('**/attendance/sync', async (route) => {
      if (lost === 0) {
        lost += 1;
        await route.fetch();
        await route.abort('connectionreset');
        answerLost();
        return;
      }
      await route.continue();
    });
    await desk.context.setOffline(false);
    await desk.page.evaluate(() => window.dispatchEvent(new Event('online')));
    // The queue showed 2 before going online too: wait for the lost answer itself, then for the page.
    await lostOnTheWay;
    await desk.page.waitForFunction(
      () => document.querySelector('[data-queue-count]')?.getAttribute('data-count') === '2',
    );
    assert.equal(lost, 1);
    for (const registrant of registrants.slice(2)) {
      assert.deepEqual(await attendanceOf(registrant.personId), [{ method: 'card_qr', status: 'present' }]);
    }

    // Sent again: answered as already present, and nobody counted twice.
    await desk.page.getByRole('button', { name: '今すぐ送信する' }).click();
    await desk.page.getByText('送信待ちはありません').waitFor();
    await desk.page.getByText(`${registrants[2]!.name} さんは本日すでに記録済みです`).waitFor();
    for (const registrant of registrants.slice(2)) {
      assert.deepEqual(await attendanceOf(registrant.personId), [{ method: 'card_qr', status: 'present' }]);
    }
  });
});
