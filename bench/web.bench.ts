/**
 * Web app: main bundle size (gzip) and first-load time of the built app served by a real `switchboard serve` on a
 * fresh embedded database, measured in Debian's Chromium with a cold cache per run (targets: main bundle < 300 KB
 * gzip, first load < 1.5 s). Without /usr/bin/chromium it reports the sizes only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { hasChromium, launchChromium } from '../test/browser/support/chromium.js';
import { ApiSession, startWebServer } from '../test/browser/support/web-server.js';
import { describeHost, type Bench } from './support/bench.js';
import { printTable, writeResults } from './support/report.js';

const TARGET_MAIN_GZIP_KB = 300;
const TARGET_FIRST_LOAD_MS = 1500;
const WEB_DIR = join(process.cwd(), 'dist', 'web');

interface Asset {
  file: string;
  rawKb: number;
  gzipKb: number;
}

/** The files the first page load needs: index.html, its entry script and stylesheet (not the lazy chunks). */
function measureInitialAssets(): Asset[] {
  const html = readFileSync(join(WEB_DIR, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
  return ['index.html', ...refs].map((file) => {
    const bytes = readFileSync(join(WEB_DIR, file));
    return {
      file,
      rawKb: Math.round((bytes.length / 1024) * 10) / 10,
      gzipKb: Math.round((gzipSync(bytes, { level: 9 }).length / 1024) * 10) / 10,
    };
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

export const webBench: Bench = {
  async run({ quick }) {
    const host = describeHost();
    console.log(`host: ${JSON.stringify(host)}`);
    const web = await startWebServer();
    try {
      const assets = measureInitialAssets();
      const main = assets.find((a) => a.file.endsWith('.js'));
      console.log('(a) initial assets (lazy route chunks excluded):');
      printTable(
        ['file', 'raw KB', 'gzip KB', 'target'],
        assets.map((a) => [
          a.file,
          a.rawKb,
          a.gzipKb,
          a === main ? `${a.gzipKb < TARGET_MAIN_GZIP_KB ? 'PASS' : 'MISS'} < ${TARGET_MAIN_GZIP_KB}` : '',
        ]),
      );

      const loads: { page: string; runs: number[] }[] = [];
      if (!hasChromium) console.log('\n/usr/bin/chromium not found: first-load time not measured.');
      else {
        const password = 'bench-owner-password';
        const setup = await ApiSession.login(web.url, web.ownerEmail, web.oneTimePassword);
        await setup.request('POST', '/api/v1/auth/password', {
          currentPassword: web.oneTimePassword,
          newPassword: password,
        });
        const browser = await launchChromium();
        try {
          const runs = quick ? 3 : 10;
          const scenarios: { page: string; path: string; ready: string; signedIn: boolean }[] = [
            {
              page: 'sign-in screen (anonymous)',
              path: '/login',
              ready: 'button[type=submit]',
              signedIn: false,
            },
            {
              page: 'content board (signed in)',
              path: '/content',
              ready: '[data-testid=board]',
              signedIn: true,
            },
            {
              page: 'deliveries ledger (signed in)',
              path: '/deliveries',
              ready: '[data-testid=delivery-row], .state-empty',
              signedIn: true,
            },
          ];
          for (const s of scenarios) {
            const times: number[] = [];
            for (let i = 0; i < runs; i++) {
              const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
              if (s.signedIn) {
                const res = await fetch(`${web.url}/api/v1/auth/login`, {
                  method: 'POST',
                  headers: { 'content-type': 'application/json' },
                  body: JSON.stringify({ email: web.ownerEmail, password }),
                });
                const cookie = res.headers.getSetCookie().find((c) => c.startsWith('sb_session='))!;
                const value = cookie.split(';')[0]!.slice('sb_session='.length);
                await context.addCookies([{ name: 'sb_session', value, url: web.url }]);
              }
              const page = await context.newPage();
              const t0 = Date.now();
              await page.goto(web.url + s.path);
              await page.waitForSelector(s.ready, { timeout: 15_000 });
              times.push(Date.now() - t0);
              await context.close();
            }
            loads.push({ page: s.page, runs: times });
          }
        } finally {
          await browser.close();
        }
        console.log('\n(b) first load, cold cache, navigation start → screen ready:');
        printTable(
          ['page', 'runs', 'p50 ms', 'max ms', 'target'],
          loads.map((l) => {
            const p50 = percentile(l.runs, 50);
            return [
              l.page,
              l.runs.length,
              p50,
              Math.max(...l.runs),
              `${p50 < TARGET_FIRST_LOAD_MS ? 'PASS' : 'MISS'} p50 < ${TARGET_FIRST_LOAD_MS}`,
            ];
          }),
        );
      }
      const path = writeResults('web', { quick, host, assets, loads });
      console.log(`results: ${path}`);
    } finally {
      await web.stop();
    }
  },
};
