// Browser benchmarks of the page (web/dist) in Debian's Chromium: page load to first findings
// on the example, and keystroke-to-findings latency on a 2,000-line deployment. Not a test:
// it prints figures for BENCHMARKS.md.
//
// Usage (after web/build.sh and `npm ci` in tests/browser):
//   node tests/bench/browser_bench.mjs [--loads N] [--keys N]
//   node tests/bench/browser_bench.mjs --dump DIR   (writes the 2,000-line deployment)
//
// How it measures, inside the page (performance.now(), so the figures exclude Playwright):
// - load: navigation start to `body[data-state="ready"]` (the contract's "first findings of the
//   example are shown"), seen by a MutationObserver installed before the page's scripts, plus
//   the next animation frame (the findings painted).
// - keystroke: one character typed into redis.conf; from the keydown event to the animation
//   frame after `window.redlint.lastReport` was replaced (the findings of that keystroke
//   painted). The page waits for a pause in typing before it lints (its debounce); the time the
//   debounce timer fires is recorded too, so "lint + paint" = frame − debounce timer fired.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startServer } from '../browser/server.mjs';
import { DIST, launchBrowser, seedRoot } from '../browser/harness.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const LOADS = opt('--loads', 6);
const KEYS = opt('--keys', 50);
const WARMUP_KEYS = 3;
const TARGET_LINES = 2000;

/** Installed before any script of the page: when the page first shows findings. */
const READY_PROBE = () => {
  window.__bench = { ready: null };
  const mark = () => {
    if (document.body?.dataset.state === 'ready' && window.__bench.ready === null) {
      const t = performance.now();
      requestAnimationFrame(() => { window.__bench.ready = { state: t, frame: performance.now() }; });
      return true;
    }
    return false;
  };
  new MutationObserver(() => mark()).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-state'] });
};

/**
 * Installed after the page is ready: timestamps of keydown, of every timer the page's own code
 * lets fire (the debounce), and of every replacement of `window.redlint.lastReport`.
 */
const KEY_PROBE = () => {
  const b = (window.__bench = { ...window.__bench, keys: [], timers: [], reports: [] });
  document.addEventListener('keydown', () => b.keys.push(performance.now()), true);
  const origSetTimeout = window.setTimeout;
  window.setTimeout = function (fn, ms, ...rest) {
    if (typeof fn !== 'function') return origSetTimeout(fn, ms, ...rest);
    return origSetTimeout(function (...a) {
      b.timers.push({ ms: ms ?? 0, t: performance.now() });
      return fn.apply(this, a);
    }, ms, ...rest);
  };
  const hook = window.redlint;
  const desc = Object.getOwnPropertyDescriptor(hook, 'lastReport');
  if (desc && 'value' in desc) {
    let value = desc.value;
    Object.defineProperty(hook, 'lastReport', {
      configurable: true,
      enumerable: true,
      get: () => value,
      set: (v) => {
        value = v;
        const t = performance.now();
        requestAnimationFrame(() => b.reports.push({ set: t, frame: performance.now() }));
      },
    });
    return 'setter';
  }
  // A getter: poll for a new object once per task.
  let last = hook.lastReport;
  const ch = new MessageChannel();
  ch.port1.onmessage = () => {
    if (hook.lastReport !== last) {
      last = hook.lastReport;
      const t = performance.now();
      requestAnimationFrame(() => b.reports.push({ set: t, frame: performance.now() }));
    }
    ch.port2.postMessage(0);
  };
  ch.port2.postMessage(0);
  return 'poll';
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function p95(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)];
}

const ms = (x) => `${x.toFixed(1)} ms`;

/** The seed's bare-metal files (every config under its host root), as the page's files. */
function seedDeployment() {
  const root = seedRoot();
  const out = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (!p.endsWith('.sh')) {
        const host = '/' + path.relative(root, p);
        out.push({ path: host.slice(1), host_path: host, text: fs.readFileSync(p, 'utf8') });
      }
    }
  };
  walk(root);
  return out;
}

const countLines = (t) => t.split('\n').length - (t.endsWith('\n') ? 1 : 0);
const totalLines = (files) => files.reduce((n, f) => n + countLines(f.text), 0);

/**
 * The ACL-heavy 2,000-line deployment: the whole seed bare-metal deployment (its findings
 * included), its users.acl grown with service users until the deployment has 2,000 lines. Each
 * added user has its own key and channel patterns and password hash and lints clean, so the
 * findings stay the seed's: the figure is the engine's work, not the rendering of a thousand
 * findings. The ACL file is where the engine does the most work per line (each user's
 * privileges are analysed).
 */
function aclHeavyDeployment() {
  const files = seedDeployment();
  let total = totalLines(files);
  const acl = files.find((f) => f.host_path === '/etc/redis/users.acl');
  const extra = [];
  for (let i = 0; total < TARGET_LINES; i++, total++) {
    const hash = createHash('sha256').update(`bench ${i} not-a-real-secret`).digest('hex');
    const rules = [
      `~svc${i}:* &svc${i}:* +@read -keys`,
      `~svc${i}:* &svc${i}:* +@read +@write -@dangerous -function`,
      `~svc${i}:* resetchannels +get +set +del +expire +hget +hset +hdel +incr`,
      `~svc${i}:* &svc${i}:* +@read +@hash +@string -@admin -keys`,
    ][i % 4];
    extra.push(`user svc${i} on #${hash} ${rules}`);
  }
  acl.text = acl.text.replace(/\n?$/, '\n') + extra.join('\n') + '\n';
  return { name: 'ACL-heavy', files, lines: totalLines(files) };
}

/** Debian's own redis.conf (installed with redis-server): 2,276 lines, mostly comments. */
const STOCK_REDIS_CONF = '/etc/redis/redis.conf';

/**
 * The comment-heavy deployment: the seed's bare-metal deployment with its redis.conf replaced by
 * Debian's stock redis.conf (plus the seed's `aclfile` line), the shape of most real 2,000-line
 * configurations. Absent when redis-server's package is not installed.
 */
function stockDeployment() {
  if (!fs.existsSync(STOCK_REDIS_CONF)) return null;
  const files = seedDeployment();
  const conf = files.find((f) => f.host_path === '/etc/redis/redis.conf');
  conf.text = fs.readFileSync(STOCK_REDIS_CONF, 'utf8').replace(/\n?$/, '\n') + 'aclfile /etc/redis/users.acl\n';
  return { name: `Debian's stock redis.conf`, files, lines: totalLines(files) };
}

async function measureLoads(browser, origin) {
  const results = [];
  for (let i = 0; i < LOADS; i++) {
    const page = await browser.context.newPage();
    await page.addInitScript(READY_PROBE);
    await page.goto(origin + '/');
    await page.waitForFunction(() => window.__bench?.ready, null, { timeout: 120_000 });
    results.push(await page.evaluate(() => window.__bench.ready.frame));
    await page.close();
  }
  return results;
}

async function measureKeystrokes(browser, origin, deployment) {
  const page = await browser.context.newPage();
  await page.goto(origin + '/');
  await page.waitForSelector('body[data-state="ready"]', { timeout: 120_000 });
  await page.evaluate((files) => window.redlint.setFiles(files), deployment.files);
  await page.waitForFunction(
    (n) => window.redlint.lastReport && window.redlint.getFiles().length === n,
    deployment.files.length,
    { timeout: 60_000 },
  );
  await page.waitForTimeout(2_000); // a lazily loaded module (password strength) and its re-lint
  const findings = await page.evaluate(() => window.redlint.lastReport.findings.length);
  const how = await page.evaluate(KEY_PROBE);

  await page.click('#tabs [role=tab][data-path="/etc/redis/redis.conf"]');
  await page.click('#editor .cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.type('# ');
  await page.waitForTimeout(1_000);

  const total = [];
  const afterDebounce = [];
  let debounce = null;
  for (let i = 0; i < WARMUP_KEYS + KEYS; i++) {
    await page.evaluate(() => {
      const b = window.__bench;
      b.keys.length = 0;
      b.timers.length = 0;
      b.reports.length = 0;
    });
    await page.keyboard.type('x');
    await page.waitForFunction(() => window.__bench.reports.length > 0, null, { timeout: 30_000, polling: 'raf' });
    await page.waitForTimeout(50); // let a second report of the same keystroke show up
    const r = await page.evaluate(() => window.__bench);
    if (i < WARMUP_KEYS) continue;
    const key = r.keys[0];
    const last = r.reports[r.reports.length - 1];
    total.push(last.frame - key);
    const timer = r.timers.filter((t) => t.ms >= 20 && t.t >= key && t.t <= last.set).pop();
    if (timer) {
      debounce = timer.ms;
      afterDebounce.push(last.frame - timer.t);
    }
  }
  await page.close();
  return { total, afterDebounce, debounce, findings, how };
}

/** `--dump DIR`: writes the 2,000-line deployment as a host tree (to run the CLI on it). */
function dump(dir) {
  for (const f of aclHeavyDeployment().files) {
    const file = path.join(dir, f.host_path);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, f.text);
  }
  console.log(`wrote the ${TARGET_LINES}-line deployment under ${dir}`);
}

async function main() {
  const dumpAt = args.indexOf('--dump');
  if (dumpAt >= 0) return dump(args[dumpAt + 1]);
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    throw new Error(`${DIST}/index.html is missing: build the page with web/build.sh`);
  }
  const server = await startServer(DIST);
  const browser = await launchBrowser();
  try {
    const loads = await measureLoads(browser, server.origin);
    const rows = [
      ['page load to first findings (example), first load of a fresh profile', ms(loads[0])],
      [`page load to first findings, reloads (median of ${loads.length - 1})`, ms(median(loads.slice(1)))],
    ];
    let how = '';
    for (const deployment of [aclHeavyDeployment(), stockDeployment()].filter(Boolean)) {
      const keys = await measureKeystrokes(browser, server.origin, deployment);
      how = keys.how;
      const what = `${deployment.name}, ${deployment.lines} lines in ${deployment.files.length} files, ${keys.findings} findings`;
      rows.push([`${what}: keystroke to findings painted, median`, ms(median(keys.total))]);
      rows.push(['… p95', ms(p95(keys.total))]);
      if (keys.afterDebounce.length === keys.total.length) {
        rows.push([`${what}: lint + paint after the page's ${keys.debounce} ms debounce, median (target ≤ 16 ms)`, ms(median(keys.afterDebounce))]);
        rows.push(['… p95', ms(p95(keys.afterDebounce))]);
      } else {
        rows.push([`${what}: lint + paint after the debounce`, `not measured: the debounce timer was seen for ${keys.afterDebounce.length} of ${keys.total.length} keystrokes`]);
      }
    }
    const chromium = browser.context.browser()?.version() ?? '';
    console.log(`Chromium ${chromium}, ${LOADS} loads, ${KEYS} keystrokes per deployment (after ${WARMUP_KEYS} warm-up), lastReport seen by ${how}\n`);
    console.log('| measure | value |\n|---|---|');
    for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((err) => {
  console.error(`browser_bench: ${err.message}`);
  process.exit(1);
});
