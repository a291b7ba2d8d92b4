// Swagger UI and the docs site through the gateway, in Debian's Chromium (driven by playwright-core).
//   node swagger-and-docs.mjs <gateway base URL> <screenshot dir>
// Checks: all four services' operations are listed; "Authorize" with the OAuth2 password flow logs in for real at
// /user-api/token; "Try it out" on a protected catalog operation answers 200 through the gateway's prefix; /docs/
// serves the site and a navigation link leads to another page. Prints one JSON line with what it saw; exits 1 on a
// failed check.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const [base, shots] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const seen = {};
let page;
const fail = (message) => { throw new Error(message); };

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  await page.goto(`${base}/swagger/`);
  await page.waitForSelector('.opblock', { timeout: 30000 });
  // every service in the selector lists its operations
  const services = await page.$$eval('.download-url-wrapper select option', (os) => os.map((o) => o.textContent));
  seen.services = {};
  for (const service of services) {
    await page.selectOption('.download-url-wrapper select', { label: service });
    await page.waitForFunction((s) => document.querySelector('.info .title')?.textContent
      .toLowerCase().includes(s), service, { timeout: 15000 });
    await page.waitForSelector('.opblock');
    seen.services[service] = await page.$$eval('.opblock', (ops) => ops.length);
  }
  for (const service of ['catalog', 'cart', 'order', 'user']) {
    if (!(seen.services[service] > 0)) fail(`no operations shown for ${service}: ${JSON.stringify(seen.services)}`);
  }

  // back to the catalog; log in through "Authorize" with the password flow
  await page.selectOption('.download-url-wrapper select', { label: 'catalog' });
  await page.waitForFunction(() => document.querySelector('.info .title')?.textContent.toLowerCase()
    .includes('catalog'));
  await page.click('.btn.authorize');
  const oauth = page.locator('.auth-container', { hasText: 'oauth2' });
  await oauth.locator('#oauth_username').fill('swagger_user');
  await oauth.locator('#oauth_password').fill('password123');
  await oauth.locator('button.authorize').click();
  // the section then shows "Authorized" and a Logout button: the token came from a real login at /user-api/token
  await oauth.locator('button', { hasText: 'Logout' }).waitFor({ timeout: 15000 });
  seen.authorized = true;
  await page.screenshot({ path: `${shots}/swagger-authorized.png` });
  await page.click('.close-modal');

  // "Try it out" on a protected operation: the call goes through the gateway with the bearer token
  const op = page.locator('.opblock', { has: page.locator('[data-path="/products/categories/list"]') });
  await op.locator('.opblock-summary').click();
  await op.locator('button.try-out__btn').click();
  await op.locator('button.execute').click();
  const status = op.locator('.live-responses-table td.response-col_status:not(.col_header)');
  await status.waitFor({ timeout: 15000 });
  seen.tryItOut = (await status.first().textContent()).trim();
  await page.screenshot({ path: `${shots}/swagger-try-it-out.png`, fullPage: false });
  if (seen.tryItOut !== '200') fail(`Try it out answered ${seen.tryItOut}`);

  // the documentation site, and one navigation link
  await page.goto(`${base}/docs/`);
  await page.waitForSelector('nav');
  seen.docsTitle = await page.title();
  const link = page.locator('nav a', { hasText: 'Security' }).first();
  await link.click();
  await page.waitForURL(/\/docs\/security\/?/, { timeout: 15000 });
  seen.followed = page.url();
  seen.heading = (await page.locator('h1').first().textContent()).trim();
  await page.screenshot({ path: `${shots}/docs-security.png` });
  if (!seen.heading.startsWith('Security')) fail(`the Security page shows "${seen.heading}"`);
  seen.pageErrors = errors;
  console.log(JSON.stringify(seen));
} catch (e) {
  console.log(JSON.stringify(seen));
  console.error(e.stack || String(e));
  if (page) await page.screenshot({ path: `${shots}/failure.png` }).catch(() => {});
  process.exitCode = 1;
} finally {
  await browser.close();
}
