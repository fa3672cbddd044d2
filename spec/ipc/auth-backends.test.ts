// Cookie and TLS on every spawn backend (SPEC "Security", "Spawn backends"):
// a 'worker' and a 'prewarm' actor get their spawn secrets privately (a
// worker in its workerData, a spare in the spawn line on its stdin pipe) and
// really are what was asked for: no silent fallback to 'subprocess'. Each
// spawns, answers a call, and is found and called by another root of the
// tree (a separate program) through the registrar.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import { freePort, runProgram } from '../discovery-helpers.ts';
import { AUTH, cookieEnv, findAndAsk, whoami } from '../fixtures/auth.ts';
import { actorKind, CORE } from '../fixtures/core.ts';
import { actorProcesses, within } from '../helpers.ts';
import { makeCerts, opensslUnavailable } from '../tls-helpers.ts';

const DAEMON = new URL('../fixtures/programs/auth-daemon.ts', import.meta.url);
const COOKIE = `backends-cookie-${randomBytes(8).toString('hex')}`;
const noOpenssl = opensslUnavailable();

/** Poll until this process has exactly `n` actor processes (its spares) besides `others`, bounded; their pids. */
async function spares(n: number, others: (number | undefined)[] = []): Promise<number[]> {
  return within((async () => {
    for (;;) {
      const pids = actorProcesses().filter((pid) => !others.includes(pid));
      if (pids.length === n) return pids;
      await new Promise((r) => setTimeout(r, 50));
    }
  })(), 20_000, `${n} spare(s) booted`);
}

/** Run `body` with TRACTOR_TS_COOKIE set in this process (the environment path of RootOptions.cookie). */
async function withCookieEnv(body: () => Promise<void>): Promise<void> {
  const saved = process.env.TRACTOR_TS_COOKIE;
  process.env.TRACTOR_TS_COOKIE = COOKIE;
  try {
    await body();
  } finally {
    if (saved === undefined) delete process.env.TRACTOR_TS_COOKIE;
    else process.env.TRACTOR_TS_COOKIE = saved;
  }
}

test('with a cookie, a worker and a prewarm actor are what was asked, answer, and are found by another root of the tree', { timeout: 90_000 }, async () => {
  const registry = `tcp://127.0.0.1:${await freePort()}`;
  const daemon = runProgram(DAEMON, ['authd'], { env: { TRACTOR_TS_REGISTRY_ADDRS: registry, TRACTOR_TS_COOKIE: COOKIE } });
  try {
    await daemon.line(/addrs/, 30_000);
    await withCookieEnv(async () => {
      await using root = await tractor.openRoot({ name: 'backends', registryAddrs: [registry], startMethod: 'prewarm' });
      void root;
      const [spare] = await spares(1, [daemon.proc.pid]);
      await using an = await tractor.openNursery({ enableModules: [CORE, AUTH] });

      const pre = await an.startActor('pre', { startMethod: 'prewarm' });
      const preKind = await pre.run(actorKind);
      assert.equal(preKind.pid, spare, 'the prewarm actor is the spare booted before the spawn, not a fresh subprocess');
      assert.equal(preKind.isWorker, false);
      const cmdline = readFileSync(`/proc/${spare}/cmdline`, 'utf8');
      const environ = readFileSync(`/proc/${spare}/environ`, 'utf8');
      assert.ok(!cmdline.includes(COOKIE) && !environ.includes(COOKIE), 'the cookie is in neither argv nor the environment of the spare');
      assert.ok(!environ.includes('TRACTOR_TS_COOKIE='), 'TRACTOR_TS_COOKIE is not passed down to a spare');

      const wkr = await an.startActor('wkr', { startMethod: 'worker' });
      const wKind = await wkr.run(actorKind);
      assert.deepEqual(wKind, { pid: process.pid, isWorker: true, isMainThread: false }, 'the worker actor is a thread of this process');
      for (const p of [pre, wkr]) assert.equal(await p.run(cookieEnv), null, 'TRACTOR_TS_COOKIE is in no child actor\'s process.env, a worker\'s included');

      await using authd = await tractor.findActor('authd');
      assert.ok(authd, 'the other root is found');
      for (const name of ['pre', 'wkr']) {
        // A child registers beside its first requests (it never waits for the registrar): wait until it has.
        await using _registered = await tractor.waitForActor(name, { signal: AbortSignal.timeout(20_000) });
        const found: { name: string } | null = await authd.run(findAndAsk, { name });
        assert.equal(found?.name, name, `another root with the same cookie finds and calls ${name}`);
      }
      assert.equal((await pre.run(whoami)).pid, spare);
    });
  } finally {
    await daemon.kill();
  }
});

// Skipped without the openssl command, which makes the test certificates.
test('with TLS and a cookie, a worker and a prewarm actor connect back over TLS and answer', { timeout: 90_000, skip: noOpenssl ?? false }, async () => {
  const certs = makeCerts(['127.0.0.1']);
  try {
    await using root = await tractor.openRoot({ name: 'tlsbackends', cookie: COOKIE, tls: certs.read(certs.member), startMethod: 'prewarm', registryAddrs: [`tcp://127.0.0.1:${await freePort()}`] });
    void root;
    const [spare] = await spares(1);
    await using an = await tractor.openNursery({ enableModules: [CORE] });
    const pre = await an.startActor('tlspre');
    assert.deepEqual(await pre.run(actorKind), { pid: spare, isWorker: false, isMainThread: true }, 'a spare, not a fresh subprocess');
    const wkr = await an.startActor('tlswkr', { startMethod: 'worker' });
    assert.deepEqual(await wkr.run(actorKind), { pid: process.pid, isWorker: true, isMainThread: false });
  } finally {
    certs.close();
  }
});
