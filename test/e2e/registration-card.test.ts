import { AxeBuilder } from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { joinTenant } from '../../src/modules/municipalities/index.js';
import { insertPerson, updatePersonProfile } from '../../src/modules/identity/identity.repository.js';
import { registerWithGovernment } from '../../src/modules/registrations/index.js';
import { createSession } from '../../src/platform/auth/sessions.js';
import { withTenant } from '../../src/platform/db/tenant-scope.js';
import { browserSkipReason, launchBrowser, watchPage, type PageProblems } from '../support/browser.js';
import { startTestSite, type TestSite } from '../support/site.js';
import { cliOperator } from '../support/staff.js';

const screenshotFolder = fileURLToPath(new URL('../../test-results/', import.meta.url));
const kesennuma = '042056';
const phone: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'ja-JP',
};

/**
 * The registration card on a phone and its check by a clerk on another phone: the QR code is a data:
 * image under the CSP, the island renews it, the verify page opened from it says 有効, and both pages
 * pass axe without serious violations. A screenshot of the card is left in test-results/.
 */
describe('registration card in a browser', { skip: browserSkipReason(), timeout: 180_000 }, () => {
  let site: TestSite;
  let browser: Browser;
  let opened: Array<{ context: BrowserContext; problems: PageProblems }> = [];

  before(async () => {
    site = await startTestSite();
    await joinTenant({ db: site.database.db, actor: cliOperator, lgCode: kesennuma });
    browser = await launchBrowser();
    await mkdir(screenshotFolder, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await site?.close();
  });

  afterEach(async () => {
    const problems = opened.flatMap((entry) => entry.problems.errors);
    await Promise.all(opened.map((entry) => entry.context.close()));
    opened = [];
    assert.deepEqual(problems, [], `errors in the browser console:\n${problems.join('\n')}`);
  });

  async function openPage(options: { cookies?: Array<{ name: string; value: string }> } = {}): Promise<Page> {
    const context = await browser.newContext({ ...phone, baseURL: site.server.url });
    context.setDefaultTimeout(10_000);
    if (options.cookies) {
      await context.addCookies(options.cookies.map((cookie) => ({ ...cookie, url: site.server.url })));
    }
    const page = await context.newPage();
    opened.push({ context, problems: watchPage(page) });
    return page;
  }

  /** A registrant of 気仙沼市 who shows their name on the card, signed in (sign-in has its own tests). */
  async function registrantPage(email: string, premium?: { until: Date; longStay: boolean }): Promise<Page> {
    const person = await insertPerson(site.database.db, email, 'ja');
    await updatePersonProfile(site.database.db, person.id, { displayName: '山田 花子', locale: 'ja' });
    await registerWithGovernment({
      db: site.database.db,
      personId: person.id,
      lgCode: kesennuma,
      input: {
        ties: ['furusato_nozei', 'tourism_or_homecoming'],
        showNameOnCard: true,
        declaredResidenceLgCode: '131016',
      },
    });
    if (premium) {
      // The premium flow needs a card verification and is tested elsewhere; the card only reads the result.
      await withTenant(site.database.db, kesennuma, (scope) =>
        scope.trx
          .updateTable('registrations')
          .set({
            tier: 'premium',
            premium_since: new Date(),
            premium_valid_until: premium.until,
            long_stay: premium.longStay,
          })
          .where('lg_code', '=', kesennuma)
          .where('person_id', '=', person.id)
          .execute(),
      );
    }
    const session = await createSession(site.database.db, { personId: person.id, method: 'email', days: 1 });
    return openPage({ cookies: [{ name: 'sid', value: session.token }] });
  }

  async function seriousViolations(page: Page, label: string): Promise<string[]> {
    const { violations } = await new AxeBuilder({ page }).analyze();
    return violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => `${label}: [${violation.impact}] ${violation.id}: ${violation.help}`);
  }

  const verifyUrlOf = (page: Page) =>
    page.locator('[data-card-refresh]').evaluate((element: HTMLElement) => element.dataset.verifyUrl ?? '');

  it('shows the card with its QR code on a phone, and a clerk checks it: 有効, ベーシック, 気仙沼市', async () => {
    const email = 'hanako.card@example.jp';
    const holder = await registrantPage(email);
    await holder.goto(`/my/places/${kesennuma}/card`);
    await holder.getByRole('heading', { level: 1, name: '登録証' }).waitFor();
    await holder.getByRole('heading', { level: 2, name: '宮城県気仙沼市' }).waitFor();
    const qr = holder.getByRole('img', { name: '登録証の確認用QRコード' });
    assert.ok(await qr.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth > 0), 'QR drawn');
    const box = await qr.boundingBox();
    assert.ok(box && box.width >= 200, `QR code large enough to scan (${box?.width}px)`);
    await holder.getByText('ベーシック').waitFor();
    await holder.getByText('更新不要').waitFor();
    await holder.getByText('山田 花子').waitFor();
    await holder.getByText(/このQRコードは \d\d:\d\d まで有効です。/).waitFor();
    assert.deepEqual(await seriousViolations(holder, 'card'), []);
    await holder.evaluate(() => document.fonts.ready.then(() => undefined));
    const overflow = await holder.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 0, `the card scrolls sideways by ${overflow}px`);
    await holder.screenshot({ path: `${screenshotFolder}registration-card-mobile.png`, fullPage: true });

    const verifyUrl = await verifyUrlOf(holder);
    assert.ok(verifyUrl.startsWith(`${site.server.url}/verify?token=`), verifyUrl);

    const clerk = await openPage();
    await clerk.goto(verifyUrl);
    await clerk.getByRole('heading', { level: 1, name: '登録証の確認' }).waitFor();
    await clerk.getByText('有効', { exact: true }).waitFor();
    await clerk.getByText('ベーシック').waitFor();
    await clerk.getByText('宮城県気仙沼市').waitFor();
    await clerk.getByText('山田 花子').waitFor();
    const text = await clerk.locator('main').innerText();
    assert.ok(!text.includes(email) && !/千代田|東京都/.test(text), 'no e-mail address or residence');
    assert.deepEqual(await seriousViolations(clerk, 'verify'), []);
    await clerk.screenshot({ path: `${screenshotFolder}registration-card-verify-mobile.png`, fullPage: true });
  });

  it('renews the QR code: by itself when the code is about to expire, and by the 更新 link', async () => {
    const holder = await registrantPage('taro.card@example.jp');
    await holder.goto(`/my/places/${kesennuma}/card`);
    const figure = holder.locator('[data-card-refresh]');
    const first = await verifyUrlOf(holder);
    const firstImage = await holder.getByRole('img', { name: '登録証の確認用QRコード' }).getAttribute('src');

    // As if the phone woke up a few minutes later: the shown code is about to expire.
    await figure.evaluate((element: HTMLElement) => {
      element.dataset.expiresAt = new Date(Date.now() + 10_000).toISOString();
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await holder.waitForFunction(
      (previous) => document.querySelector<HTMLElement>('[data-card-refresh]')?.dataset.verifyUrl !== previous,
      first,
    );
    const renewed = await verifyUrlOf(holder);
    assert.notEqual(await holder.getByRole('img', { name: '登録証の確認用QRコード' }).getAttribute('src'), firstImage);
    const expiresAt = await figure.evaluate((element: HTMLElement) => Date.parse(element.dataset.expiresAt ?? ''));
    assert.ok(expiresAt > Date.now() + 4 * 60_000, 'a fresh 5-minute code');
    assert.equal(await holder.locator('[data-card-status]').isHidden(), true);

    await holder.getByRole('link', { name: 'QRコードを更新' }).click();
    await holder.waitForFunction(
      (previous) => document.querySelector<HTMLElement>('[data-card-refresh]')?.dataset.verifyUrl !== previous,
      renewed,
    );

    const clerk = await openPage();
    await clerk.goto(await verifyUrlOf(holder));
    await clerk.getByText('有効', { exact: true }).waitFor();
  });

  it('shows a premium card with the long-stay mark, in English too', async () => {
    const holder = await registrantPage('saburo.card@example.jp', {
      until: new Date('2027-03-31T12:00:00+09:00'),
      longStay: true,
    });
    await holder.goto(`/my/places/${kesennuma}/card?lang=en`);
    await holder.getByRole('heading', { level: 1, name: 'Registration card' }).waitFor();
    await holder.getByText('Premium').waitFor();
    await holder.getByText('Long stay').waitFor();
    await holder.getByText('31 March 2027', { exact: true }).waitFor();
    assert.deepEqual(await seriousViolations(holder, 'premium card'), []);
    await holder.screenshot({ path: `${screenshotFolder}registration-card-premium-en-mobile.png`, fullPage: true });

    const clerk = await openPage();
    await clerk.goto(`${await verifyUrlOf(holder)}&lang=ja`);
    await clerk.getByText('有効', { exact: true }).waitFor();
    await clerk.getByText('プレミアム').waitFor();
    await clerk.getByText('2027年3月31日まで').waitFor();
  });

  it('prints the card without the short-lived QR code, saying why', async () => {
    const holder = await registrantPage('jiro.card@example.jp');
    await holder.goto(`/my/places/${kesennuma}/card`);
    await holder.emulateMedia({ media: 'print' });
    assert.equal(await holder.getByRole('img', { name: '登録証の確認用QRコード' }).isVisible(), false);
    assert.equal(await holder.locator('.site-header').isVisible(), false);
    await holder.getByText('印刷した登録証は確認に使えません').waitFor();
    await holder.getByRole('heading', { level: 2, name: '宮城県気仙沼市' }).waitFor();
  });
});
