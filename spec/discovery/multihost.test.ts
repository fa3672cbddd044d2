// Discovery across hosts: two network namespaces joined by a veth pair stand
// in for two machines. The registrar (a runDaemon program) runs in one, a
// client root in the other finds it through the registry and talks to it
// (RPC and a context stream). Needs root and iproute2; skipped otherwise.
// Traffic goes only to loopback and to the namespaces' own 10.77.0.0/24.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runProgram } from '../discovery-helpers.ts';
import { within } from '../helpers.ts';
import { HOST1, HOST2, ip, listening, makeHosts, netnsUnavailable } from '../netns-helpers.ts';

const T = { timeout: 30_000 };
const DAEMON_PROGRAM = new URL('../fixtures/programs/discovery-daemon.ts', import.meta.url);
const CLIENT_PROGRAM = new URL('../fixtures/programs/discovery-client.ts', import.meta.url);

const unavailable = netnsUnavailable();

// Skipped where network namespaces cannot be made (no unshare/ip or no privilege): the reason is printed.
test('two hosts: a client root finds the registrar-daemon on the other host, calls it and streams with it', { ...T, skip: unavailable ?? false }, async () => {
  const hosts = makeHosts();
  const port = 20_000 + Math.floor(Math.random() * 20_000); // a fresh namespace: every port is free there
  const env = { TRACTOR_TS_REGISTRY_ADDRS: `tcp://${HOST1}:${port}` };
  const inNs = (ns: string) => ['ip', 'netns', 'exec', ns];
  const programs: ReturnType<typeof runProgram>[] = [];
  try {
    // before the registrar is up: the other host cannot take its place, and says so
    const early = runProgram(CLIENT_PROGRAM, ['hostd', `tcp://${HOST2}:0`], { env, prefix: inNs(hosts.ns2) });
    programs.push(early);
    const earlyExit = await within(early.exited, 10_000, 'the early client to fail');
    assert.equal(earlyExit.code, 1, early.stderr());
    assert.match(early.stderr(), /RegistryError: no registrar answers at tcp:\/\/10\.77\.0\.1:\d+ .*this host cannot listen there/);

    const daemon = runProgram(DAEMON_PROGRAM, ['hostd', `tcp://${HOST1}:0`], { env, prefix: inNs(hosts.ns1) });
    programs.push(daemon);
    const t0 = Date.now();
    while (!listening(hosts.ns1, HOST1, port)) {
      if (daemon.proc.exitCode !== null || Date.now() - t0 > 10_000) {
        throw new Error(`the daemon never listened on ${HOST1}:${port}\n--- stderr\n${daemon.stderr()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }

    const client = runProgram(CLIENT_PROGRAM, ['hostd', `tcp://${HOST2}:0`], { env, prefix: inNs(hosts.ns2) });
    programs.push(client);
    const exit = await within(client.exited, 15_000, 'the client to finish');
    assert.equal(exit.code, 0, client.stderr());
    const steps = client.stdout().trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(steps[0], { step: 'boot', isRegistrar: false });
    const { peer, addr } = steps[1];
    assert.equal(peer.name, 'hostd');
    assert.equal(peer.isRegistrar, true, 'the daemon is the registrar');
    assert.ok(peer.addrs.every((a: string) => a.startsWith(`tcp://${HOST1}:`)), `the daemon listens on host 1 only: ${peer.addrs}`);
    assert.match(addr, new RegExp(`^tcp://10\\.77\\.0\\.1:\\d+$`), 'queryActor answers an address on host 1');
    assert.deepEqual(steps[2], { step: 'stream', first: 'hi from hostd', echoed: [2, 4, 6], result: 3 });
    const entries = steps[3].entries as { name: string; addrs: string[] }[];
    assert.deepEqual(entries.map((e) => e.name), ['hostd', 'client']);
    assert.ok(entries[1]!.addrs.every((a) => a.startsWith(`tcp://${HOST2}:`)), 'the client registered its host-2 address');

    daemon.proc.kill('SIGTERM');
    assert.deepEqual(await within(daemon.exited, 5000, 'the daemon to stop'), { code: 0, signal: null }, daemon.stderr());
    assert.equal(daemon.stdout().trim(), 'daemon stopped');
  } finally {
    for (const p of programs) await p.kill();
    hosts.close();
  }
  assert.ok(!ip('netns', 'list').out.includes(hosts.ns1), 'the namespaces are deleted');
});
