// Drives the daemon's web page in Debian's headless chromium with
// playwright-core (run by tests/e2e_web.sh, which starts the federation
// and passes):
//   SD_WEB_URL        the page, http://127.0.0.1:PORT/
//   SD_WEB_ARTIFACTS  where the screenshots go
//   SD_WEB_NOR_KEY    the key of the node "nor" (publishes FI, SE, PL, EE, NO)
//   SD_CHROMIUM       the browser (default /usr/bin/chromium)
// Every check names what it expected; the first mismatch ends the run
// with "FAIL: ..." and exit status 1, after a screenshot of the page as
// it was (web-failed.png).
import { chromium } from 'playwright-core';
import path from 'node:path';

const URL0 = process.env.SD_WEB_URL;
const ART = process.env.SD_WEB_ARTIFACTS || '.';
const NOR = process.env.SD_WEB_NOR_KEY || '';
const ORIGIN = new URL(URL0).origin;
const WAIT_MS = 10000;

let checks = 0;
let step = 'starting';

class Mismatch extends Error {}

function check(what, ok, detail) {
  if (!ok) throw new Mismatch(what + (detail !== undefined ? ': ' + detail : ''));
  checks++;
}

function eq(what, got, want) {
  const g = JSON.stringify(got), w = JSON.stringify(want);
  check(what, g === w, 'got ' + g + ', expected ' + w);
}

// until(what, fn): polls fn (an async function returning a value and a
// verdict [ok, value]) until ok, at most WAIT_MS; a mismatch otherwise,
// naming the last value seen.
async function until(what, fn) {
  const end = Date.now() + WAIT_MS;
  let last;
  for (;;) {
    try {
      const [ok, v] = await fn();
      last = v;
      if (ok) {
        checks++;
        return v;
      }
    } catch (e) {
      last = 'error: ' + e.message;
    }
    if (Date.now() > end) throw new Mismatch(what + ': still ' + JSON.stringify(last) + ' after ' + WAIT_MS / 1000 + ' s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const browser = await chromium.launch({
  executablePath: process.env.SD_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  // We run as root in a container: no sandbox, no GPU. The page must not
  // need the network beyond the daemon; nothing else is reachable anyway.
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
const page = await context.newPage();
page.setDefaultTimeout(WAIT_MS);

// Every request must go to the daemon: anything else is refused and
// recorded (no CDNs, fonts or images from elsewhere).
const foreign = [];
const failed = [];
const consoleErrors = [];
await context.route('**/*', (route) => {
  const u = route.request().url();
  if (new URL(u).origin !== ORIGIN && !u.startsWith('data:')) {
    foreign.push(u);
    return route.abort();
  }
  return route.continue();
});
page.on('requestfailed', (r) => failed.push(r.url() + ' ' + (r.failure() || {}).errorText));
page.on('console', (m) => {
  // A refused query is answered 400 on purpose; chromium logs the
  // status of every failed fetch. The favicon is not served.
  if (m.type() === 'error' && !/status of (400|404)/.test(m.text())) consoleErrors.push(m.text());
});
page.on('pageerror', (e) => consoleErrors.push('page error: ' + e.message));

const results = page.getByTestId('result');
const names = async () => results.getByTestId('result-name').allTextContents();
const summary = page.getByTestId('summary');

// The chart: {country: count} from the bars drawn.
async function bars() {
  return page.$$eval('#chart g.bar', (gs) => Object.fromEntries(gs.map((g) => [g.dataset.country, Number(g.dataset.count)])));
}

async function search(q, country) {
  await page.fill('#q', q);
  await page.fill('#f-country', country || '');
  await page.click('#search-btn');
}

try {
  // ---- the page itself ----
  step = 'opening the page';
  const resp = await page.goto(URL0, { waitUntil: 'load' });
  eq('the page: status', resp.status(), 200);
  check('the page: HTML', (resp.headers()['content-type'] || '').startsWith('text/html'), resp.headers()['content-type']);
  check('the page: a Content-Security-Policy limiting it to the daemon',
    /default-src 'self'/.test(resp.headers()['content-security-policy'] || ''), resp.headers()['content-security-policy']);
  eq('the page: its title', await page.title(), 'Stardust partner search');
  // Accessible names for the controls the tests drive.
  for (const [label, id] of [['Countries', 'f-country'], ['Kind', 'f-kind'], ['Size', 'f-size'], ['Regions (NUTS)', 'f-region'], ['Sectors (NACE)', 'f-sector']]) {
    const l = await page.$eval('#' + id, (e) => (e.labels.length ? e.labels[0].textContent.trim() : ''));
    check('a label for ' + id, l.startsWith(label), JSON.stringify(l));
  }

  // ---- health: the peer is up and in sync ----
  step = 'the health panel';
  await until('health: in sync', async () => {
    const v = await page.getByTestId('health-sync').getAttribute('data-in-sync');
    return [v === 'true', v];
  });
  const peer = page.locator('#peers tr[data-peer-name="nor"]');
  eq('health: one peer row', await page.locator('#peers tr[data-testid="peer"]').count(), 1);
  eq('health: the peer nor is up', await peer.getAttribute('data-state'), 'up');
  eq('health: shown as up', (await peer.locator('td').first().textContent()).trim(), 'up');
  eq('health: its lag', (await peer.locator('td').nth(1).textContent()).trim(), '0');
  check('health: its key', (await peer.locator('th').getAttribute('title')).startsWith(NOR), NOR);
  eq('health: rejected records by reason (none)', await page.getByTestId('rejected').getAttribute('data-total'), '0');
  const reasons = await page.$$eval('#rejected li[data-reason]', (ls) => ls.map((l) => l.dataset.reason));
  check('health: the reasons listed', ['signature', 'scope', 'replay'].every((r) => reasons.includes(r)), JSON.stringify(reasons));
  check('health: the node named', /Node vil \(/.test(await page.getByTestId('node-line').textContent()),
    await page.getByTestId('node-line').textContent());

  // ---- search: the expected organisation, why, and its node ----
  step = 'searching "laser cutting"';
  await search('laser cutting');
  await until('search: four results', async () => {
    const n = await names();
    return [n.length === 4, n];
  });
  eq('search: ranked as the API ranks', await names(),
    ['Jyväskylä Laser Oy', 'Vilnius Laser Works UAB', 'Gdańsk Photonics', 'Kaunas Metal Recycling UAB']);
  check('search: the summary counts them', /: 4 results/.test(await summary.textContent()), await summary.textContent());
  const first = results.first();
  const why = await first.getByTestId('matched').locator('li').allTextContents();
  for (const w of ['name laser', 'capabilities cutting', 'offers laser']) {
    check('search: why Jyväskylä Laser Oy matched: ' + w, why.includes(w), JSON.stringify(why));
  }
  eq('search: its country', await first.getByTestId('result-country').textContent(), 'FI');
  eq('search: its kind', await first.getByTestId('result-kind').textContent(), 'sme');
  eq('search: its size', await first.getByTestId('result-size').textContent(), 'micro (8)');
  eq('search: its publishing node', await first.getByTestId('result-node').textContent(), 'from nor (' + NOR.slice(0, 8) + ')');
  const vnode = await results.nth(1).getByTestId('result-node').textContent();
  check('search: a Lithuanian member published by vil', vnode.startsWith('from vil ('), vnode);
  eq('search: its origin', await first.getAttribute('data-origin'), NOR);

  // ---- the chart: results per country ----
  step = 'the chart';
  await until('chart: bars for FI, LT and PL', async () => {
    const b = await bars();
    return [JSON.stringify(b) === JSON.stringify({ LT: 2, FI: 1, PL: 1 }), b];
  });
  const lt = page.locator('#chart g.bar[data-country="LT"] rect');
  const fi = page.locator('#chart g.bar[data-country="FI"] rect');
  const wl = Number(await lt.getAttribute('width')), wf = Number(await fi.getAttribute('width'));
  check('chart: the LT bar twice as long as FI\'s', Math.abs(wl - 2 * wf) <= 2, wl + ' vs ' + wf);
  await page.screenshot({ path: path.join(ART, 'web-search.png'), fullPage: true });

  // ---- a filter changes the list ----
  step = 'filtering by country';
  await search('laser cutting', 'fi');
  await until('filter: only the Finnish result', async () => {
    const n = await names();
    return [JSON.stringify(n) === JSON.stringify(['Jyväskylä Laser Oy']), n];
  });
  await until('filter: the chart follows', async () => {
    const b = await bars();
    return [JSON.stringify(b) === JSON.stringify({ FI: 1 }), b];
  });
  await page.fill('#f-country', '');
  await page.selectOption('#f-kind', 'large');
  await page.fill('#q', 'laser');
  await page.click('#search-btn');
  await until('filter: kind large', async () => {
    const n = await names();
    return [JSON.stringify(n) === JSON.stringify(['Helsinki Lasers Ab']), n];
  });
  await page.selectOption('#f-kind', '');
  // A click on a bar keeps only that country.
  await search('laser cutting');
  await until('chart: back to three countries', async () => {
    const b = await bars();
    return [Object.keys(b).length === 3, b];
  });
  await page.click('#chart g.bar[data-country="LT"]');
  await until('chart: a click on LT filters by LT', async () => {
    const n = await names();
    return [JSON.stringify(n) === JSON.stringify(['Vilnius Laser Works UAB', 'Kaunas Metal Recycling UAB']), n];
  });
  eq('chart: the country field follows the click', await page.inputValue('#f-country'), 'LT');

  // ---- paging with next ----
  step = 'paging';
  await page.fill('#f-country', '');
  await page.fill('#q', '');
  await page.selectOption('#f-limit', '10');
  await page.click('#search-btn');
  await until('paging: the first 10', async () => {
    const n = await names();
    return [n.length === 10, n.length];
  });
  check('paging: the summary says 15, 10 shown', /: 15 results, showing 10$/.test(await summary.textContent()), await summary.textContent());
  const page1 = await names();
  // The chart counts every result, not only the page.
  await until('chart: all 15 by country', async () => {
    const b = await bars();
    return [JSON.stringify(b) === JSON.stringify({ FI: 4, LT: 4, EE: 2, PL: 2, SE: 2, NO: 1 }), b];
  });
  await page.click('#more');
  await until('paging: next page appended', async () => {
    const n = await names();
    return [n.length === 15, n.length];
  });
  const all = await names();
  eq('paging: the first page kept', all.slice(0, 10), page1);
  eq('paging: every member once', new Set(all).size, 15);
  check('paging: nothing more to load', await page.locator('#more').isHidden());
  await page.selectOption('#f-limit', '20');

  // ---- member detail ----
  step = 'member detail';
  await search('laser cutting');
  await until('detail: the results are back', async () => [(await names())[0] === 'Jyväskylä Laser Oy', await names()]);
  await results.first().getByTestId('result-name').click();
  const detail = page.getByTestId('detail');
  await detail.waitFor({ state: 'visible' });
  eq('detail: the name', await page.textContent('#detail-name'), 'Jyväskylä Laser Oy');
  const field = async (k) => (await detail.getByTestId('field-' + k).textContent()).trim();
  eq('detail: country', await field('country'), 'FI');
  eq('detail: region', await field('region'), 'FI198');
  eq('detail: city', await field('city'), 'Jyväskylä');
  eq('detail: sectors', await field('sectors'), '25.62');
  eq('detail: capabilities', await field('capabilities'), 'laser cutting');
  eq('detail: offers', await field('offers'), 'laser cutting of steel');
  eq('detail: seeks', await field('seeks'), 'metal recycling');
  eq('detail: employees', await field('employees'), '8');
  eq('detail: size', await field('size'), 'micro');
  eq('detail: description', await field('description'), 'Job shop in Central Finland.');
  eq('detail: id', await field('id'), '00000000000000000000000000000005');
  eq('detail: publishing node', await field('node'), 'nor');
  eq('detail: its key', await field('origin'), NOR);
  check('detail: the results list is hidden', await page.locator('#results-view').isHidden());
  await page.screenshot({ path: path.join(ART, 'web-detail.png'), fullPage: true });

  // ---- find partners ----
  step = 'find partners';
  await page.click('#find-partners');
  await until('match: partners listed', async () => {
    const n = await names();
    return [n.length > 0 && (await summary.textContent()).startsWith('Partners for Jyväskylä Laser Oy'), [n, await summary.textContent()]];
  });
  const partners = await names();
  eq('match: the scrap-metal recycler that seeks laser cutting comes first', partners[0], 'Kaunas Metal Recycling UAB');
  const pc = await results.getByTestId('result-country').allTextContents();
  check('match: none in its own country (FI)', !pc.includes('FI'), JSON.stringify(pc));
  check('match: both scores shown', /their offers meet its needs/.test(await results.first().textContent()));

  // ---- escaping: markup in a member's fields stays text ----
  step = 'escaping';
  await search('markup probe');
  await until('escaping: the member found', async () => [(await names()).length === 1, await names()]);
  eq('escaping: the name shown as text', (await names())[0], '<img src=x id=xss-name onerror="document.title=1">Markup & Co');
  await results.first().getByTestId('result-name').click();
  await detail.waitFor({ state: 'visible' });
  eq('escaping: the description shown as text', await field('description'), '<b id="xss-desc">bold?</b>');
  eq('escaping: no element made of the data', await page.locator('#xss-name, #xss-desc').count(), 0);
  eq('escaping: no script ran', await page.title(), 'Stardust partner search');
  await page.click('#detail-back');

  // ---- a refused query: the node's message ----
  step = 'a bad query';
  await search('laser', 'XX');
  const err = page.getByTestId('error');
  await err.waitFor({ state: 'visible' });
  const msg = await err.getByTestId('error-message').textContent();
  check('error: the node\'s message shown', msg.includes("unknown country 'XX'"), msg);
  check('error: with its status', (await err.textContent()).startsWith('Error 400: '), await err.textContent());
  eq('error: no stale results', await results.count(), 0);
  await search('laser cutting', '');
  await until('error: gone after a good query', async () => [await err.isHidden(), await err.textContent()]);

  // ---- consortium builder ----
  step = 'consortium';
  await page.click('#tab-consortium');
  await page.fill('#need-1', 'laser cutting');
  await page.fill('#need-2', 'mining waste recycling');
  await page.fill('#c-min-countries', '2');
  await page.click('#consortium-btn');
  const groups = page.getByTestId('group');
  await until('consortium: groups shown', async () => [(await groups.count()) > 0, await groups.count()]);
  const g1 = await groups.first().getByTestId('group-member').evaluateAll((trs) =>
    trs.map((t) => ({ name: t.querySelector('th button').textContent, country: t.children[1].textContent, covers: t.dataset.covers })));
  const byName = Object.fromEntries(g1.map((m) => [m.name, m]));
  check('consortium: group 1 has Vilnius Laser Works UAB', byName['Vilnius Laser Works UAB'], JSON.stringify(g1));
  check('consortium: group 1 has Lapland Mining Waste Oy', byName['Lapland Mining Waste Oy'], JSON.stringify(g1));
  eq('consortium: Vilnius covers laser cutting', byName['Vilnius Laser Works UAB'].covers, 'laser cutting');
  eq('consortium: Lapland covers mining waste recycling', byName['Lapland Mining Waste Oy'].covers, 'mining waste recycling');
  for (let i = 0; i < await groups.count(); i++) {
    const ms = await groups.nth(i).getByTestId('group-member').evaluateAll((trs) =>
      trs.map((t) => ({ country: t.children[1].textContent, covers: t.dataset.covers.split('|') })));
    const covered = new Set(ms.flatMap((m) => m.covers));
    check('consortium: group ' + (i + 1) + ' covers both needs', covered.has('laser cutting') && covered.has('mining waste recycling'), JSON.stringify(ms));
    check('consortium: group ' + (i + 1) + ' spans 2 countries', new Set(ms.map((m) => m.country)).size >= 2, JSON.stringify(ms));
  }
  check('consortium: coverage meters', (await groups.first().locator('meter').count()) === 2 * g1.length);
  await page.screenshot({ path: path.join(ART, 'web-consortium.png'), fullPage: true });
  // A need nobody covers: no group, and why.
  await page.fill('#need-3', 'underwater basket weaving');
  await page.click('#consortium-btn');
  await until('consortium: nobody covers a need', async () => {
    const t = await page.textContent('#c-summary');
    return [/No group: .*underwater basket weaving/.test(t), t];
  });
  eq('consortium: no group shown', await groups.count(), 0);

  // The final screenshot: search results, the chart and the health panel.
  step = 'screenshot';
  await page.click('#tab-search');
  await search('laser cutting', '');
  await until('final: results', async () => [(await names()).length === 4, await names()]);
  await until('final: chart', async () => [Object.keys(await bars()).length === 3, await bars()]);

  step = 'requests';
  eq('no request left the daemon', foreign, []);
  check('no failed request', failed.length === 0, JSON.stringify(failed));
  eq('no script error', consoleErrors, []);
  await page.screenshot({ path: path.join(ART, 'web.png'), fullPage: true });
  console.log('browser: screenshot ' + path.join(ART, 'web.png'));
  console.log('browser: all checks passed (' + checks + ')');
  await browser.close();
} catch (e) {
  const shot = path.join(ART, 'web-failed.png');
  console.error('FAIL: ' + step + ': ' + (e instanceof Mismatch ? e.message : e.stack));
  try {
    await page.screenshot({ path: shot, fullPage: true });
    console.error('browser: screenshot of the failure ' + shot);
  } catch (e2) {
    console.error('browser: no screenshot: ' + e2.message);
  }
  for (const m of consoleErrors) console.error('browser: console: ' + m);
  for (const m of failed) console.error('browser: failed request: ' + m);
  for (const m of foreign) console.error('browser: request to elsewhere (refused): ' + m);
  console.error('browser: ' + checks + ' checks passed before');
  await browser.close();
  process.exit(1);
}
