// Runs the discovery examples as a user would (`npx tsx examples/...` on Node
// 20, `node examples/...` on Node 24, from the repo root) and checks their exit codes and output.
// Every run gets a registry address of its own (TRACTOR_TS_REGISTRY_ADDRS on a
// free port), so examples running concurrently never see each other.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { freePort } from '../discovery-helpers.ts';
import { assertExit, runExample, startExample } from '../examples-helpers.ts';
import { isAlive, within } from '../helpers.ts';

const T = { timeout: 30_000 };

/** A free registry port and the environment that points an example at it. */
async function privateEnv(): Promise<{ port: number; env: Record<string, string> }> {
  const port = await freePort();
  return { port, env: { TRACTOR_TS_REGISTRY_ADDRS: `tcp://127.0.0.1:${port}` } };
}

/** True once something listens on 127.0.0.1:`port` (this network namespace's /proc/net/tcp). */
function listening(port: number): boolean {
  const hexPort = port.toString(16).padStart(4, '0').toUpperCase();
  return readFileSync('/proc/net/tcp', 'utf8').split('\n').some((l) => l.includes(` 0100007F:${hexPort} 00000000:0000 0A `));
}

test('a_trynamic_first_scene: two actors find each other by name through the registrar and call each other', T, async () => {
  const r = await runExample('a_trynamic_first_scene', { env: (await privateEnv()).env });
  assertExit(r, 0);
  assert.deepEqual(r.lines, [
    'Alright... Action!',
    'Hi my name is donny',
    'Hi my name is gretchen',
    "CUTTTT CUUTT CUT!!! Donny!! You're supposed to say...",
  ]);
  assert.equal(r.stderr, '');
});

test('service_discovery: an actor is found by name, its address queried, and the registry listed', T, async () => {
  const r = await runExample('service_discovery', { env: (await privateEnv()).env });
  assertExit(r, 0);
  const [registrar, found, answer, missing, header, ...entries] = r.lines;
  assert.match(registrar!, /^Registrar is root, listening on tcp:\/\/127\.0\.0\.1:\d+$/);
  assert.match(found!, /^some_actor_name is found at tcp:\/\/127\.0\.0\.1:\d+$/);
  assert.match(answer!, /^some_actor_name at your service \(pid \d+\)$/);
  assert.equal(missing, "findActor('no_such_service') -> undefined");
  assert.equal(header, 'registry:');
  assert.equal(entries.length, 2, r.stdout);
  assert.match(entries[0]!, /^ {2}root \(pid \d+\) at tcp:\/\/127\.0\.0\.1:\d+, tcp:\/\/127\.0\.0\.1:\d+$/);
  assert.match(entries[1]!, /^ {2}some_actor_name \(pid \d+\) at tcp:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(entries[1]!.endsWith(found!.split(' at ')[1]!), 'the listed address is the queried one');
  assert.equal(r.stderr, '');
});

test('service_daemon_discovery: the client program finds the runDaemon program and calls it; SIGTERM stops the daemon with exit 0', T, async () => {
  const { port, env } = await privateEnv();
  const daemon = startExample('service_daemon_discovery/daemon', { env });
  try {
    // the daemon is the first root: it is up once it listens on the registry address
    const t0 = Date.now();
    while (!listening(port)) {
      if (daemon.proc.exitCode !== null || Date.now() - t0 > 15_000) assert.fail(`the daemon never listened on ${port}\n${daemon.stderr()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const client = await runExample('service_daemon_discovery/client', { env, ms: 20_000 });
    assert.equal(client.code, 0, `--- stdout\n${client.stdout}\n--- stderr\n${client.stderr}`);
    const lines = client.lines;
    assert.equal(lines.length, 3, client.stdout);
    assert.match(lines[0]!, /^found echo_service at tcp:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(lines[1], `echo_service (pid ${daemon.proc.pid}) echoes: hello from the client`);
    assert.equal(lines[2], 'STRUCTURED CONCURRENCY ACROSS PROGRAMS');
    assert.equal(client.stderr, '');
    daemon.proc.kill('SIGTERM');
    const { code, signal } = await within(daemon.done, 5000, 'the daemon to stop');
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, daemon.stderr());
    assert.equal(daemon.stdout(), 'echo_service stopped\n');
    assert.equal(daemon.stderr(), '');
  } finally {
    await daemon.kill();
  }
});

test('quick_cluster: a cluster runs a function on every actor concurrently and is reaped at the end of its block', T, async () => {
  const r = await runExample('quick_cluster', { env: (await privateEnv()).env });
  assertExit(r, 0);
  assert.equal(r.lines.length, 5, r.stdout);
  const pids = r.lines.slice(0, 4).map((line, i) => {
    const m = new RegExp(`^worker_${i} \\(pid (\\d+)\\) summed to 499999500000$`).exec(line);
    assert.ok(m, `unexpected line: ${line}`);
    return Number(m[1]);
  });
  assert.equal(new Set(pids).size, 4, 'one process per worker');
  assert.equal(r.lines[4], 'cluster reaped: 0 of 4 workers still running');
  assert.ok(!pids.some(isAlive));
  assert.equal(r.stderr, '');
});

test('uds_actor_tree: a nested tree over Unix domain sockets, socket files present while running and removed at exit', T, async () => {
  const r = await runExample('uds_actor_tree', { env: (await privateEnv()).env });
  assertExit(r, 0);
  const sock = String.raw`uds:///\S+/tractor-ts-\d+/`;
  assert.equal(r.lines.length, 4, r.stdout);
  assert.match(r.lines[0]!, new RegExp(`^root listens on ${sock}root@[0-9a-f]{8}\\.sock, tcp://127\\.0\\.0\\.1:\\d+ \\(socket file present: true\\)$`));
  assert.match(r.lines[1]!, new RegExp(`^branch listens on ${sock}branch@[0-9a-f]{8}\\.sock \\(socket file present: true\\)$`));
  assert.match(r.lines[2]!, new RegExp(`^leaf listens on ${sock}leaf@[0-9a-f]{8}\\.sock \\(socket file present: true\\)$`));
  assert.equal(r.lines[3], 'children exited, their socket files removed: true');
  assert.equal(r.stderr, '');
});
