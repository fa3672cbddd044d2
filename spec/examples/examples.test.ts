// Runs every example under examples/ as a user would (`npx tsx examples/NAME.ts`
// on Node 20, `node examples/NAME.ts` on Node 24, from the repo root) and checks its exit code and output.
import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import { assertExit, runExample, survivorsOf } from '../examples-helpers.ts';
import { isAlive } from '../helpers.ts';

const TIMEOUT = { timeout: 30_000 };

test('actor_spawning_and_causality: a one-shot actor returns its result to the root', TIMEOUT, async () => {
  const r = await runExample('actor_spawning_and_causality');
  assertExit(r, 0);
  assert.deepEqual(r.lines, ["Dang that's beautiful"]);
  assert.equal(r.stderr, '');
});

test('actor_spawning_and_causality_with_daemon: a daemon actor answers two portal.run calls, then is cancelled', TIMEOUT, async () => {
  const r = await runExample('actor_spawning_and_causality_with_daemon');
  assertExit(r, 0);
  assert.deepEqual(r.lines, ['have you ever seen a portal?', 'have you ever seen a portal?']);
  assert.equal(r.stderr, '');
});

test('single_func: a function runs in a separate process and its result is collected', TIMEOUT, async () => {
  const r = await runExample('single_func');
  assertExit(r, 0);
  assert.equal(r.lines.length, 1, r.stdout);
  const m = /^burnCpu ran in actor 'burnCpu' \(pid (\d+)\) and returned 29999994$/.exec(r.lines[0]!);
  assert.ok(m, `unexpected output: ${r.stdout}`);
  assert.notEqual(Number(m[1]), r.pid, 'the function must run in a child process, not in the root');
  assert.equal(r.stderr, '');
});

test('we_are_processes: one actor per core, the root self-destructs and no actor outlives it', TIMEOUT, async () => {
  const r = await runExample('we_are_processes');
  assertExit(r, 0);
  const cores = os.availableParallelism();
  const pids = new Map<string, number>();
  for (const line of r.lines) {
    const m = /^Yo, i'm '(worker_\d+)' running in pid (\d+)$/.exec(line);
    if (m) pids.set(m[1]!, Number(m[2]));
  }
  assert.deepEqual([...pids.keys()].sort(), Array.from({ length: cores }, (_, i) => `worker_${i}`).sort(), r.stdout);
  assert.equal(new Set(pids.values()).size, cores, 'every actor is its own process');
  assert.ok(![...pids.values()].includes(r.pid), 'no actor runs in the root process');
  assert.ok(r.lines.includes('This process tree will self-destruct in 1 sec...'), r.stdout);
  assert.equal(r.lines.at(-1), 'Zombies Contained', 'the error is caught only after the tree is down');
  for (const [name, pid] of pids) assert.ok(!isAlive(pid), `${name} (pid ${pid}) is still running`);
  assert.equal(r.stderr, '');
});

test('concurrent_actors_primes: a pool of daemon actors checks every number and reports its primality', TIMEOUT, async () => {
  const r = await runExample('concurrent_actors_primes');
  assertExit(r, 0);
  const expected: [number, boolean][] = [
    [112272535095293, true],
    [112582705942171, true],
    [112272535095293, true],
    [115280095190773, true],
    [115797848077099, true],
    [1099726899285419, false],
  ];
  const results: [number, boolean][] = [];
  const workers = new Set<string>();
  for (const line of r.lines) {
    const m = /^(\d+) is prime: (true|false) \(checked by (worker_\d+)\)$/.exec(line);
    if (!m) continue;
    results.push([Number(m[1]), m[2] === 'true']);
    workers.add(m[3]!);
  }
  const byNumber = (a: [number, boolean], b: [number, boolean]) => a[0] - b[0];
  assert.deepEqual(results.sort(byNumber), expected.sort(byNumber), r.stdout);
  const poolSize = os.availableParallelism();
  assert.equal(workers.size, Math.min(poolSize, expected.length), `jobs are spread over the whole pool: ${[...workers]}`);
  assert.match(r.stdout, /^processing took \d+\.\d+ seconds$/m);
  assert.match(r.lines.at(-1)!, /^script took \d+\.\d+ seconds$/);
  assert.equal(r.stderr, '');
});

test("remote_error_propagation: the child's error reaches the root boxed with its type, and the other actors are cancelled", TIMEOUT, async () => {
  const r = await runExample('remote_error_propagation');
  // The example catches the RemoteActorError (as the Python original does around trio.run()).
  assertExit(r, 0);
  assert.equal(r.lines[0], 'Look Maa that actor failed hard, hehhh!');
  assert.ok(r.lines.includes('  boxed type: AssertionError (same class as here: true)'), r.stdout);
  assert.match(r.stdout, /^ {2}raised in actor: assertErr@[0-9a-f]{8}$/m);
  assert.match(r.stdout, /^ {2}error: AssertionError in actor assertErr@[0-9a-f]{8}: assert 0: this actor fails on purpose$/m);
  // the remote traceback points at the line that failed in the child
  assert.match(r.stdout, /^ {4}AssertionError \[ERR_ASSERTION\]: assert 0: this actor fails on purpose$/m);
  assert.match(r.stdout, /^ {8}at assertErr \(.*examples[\\/]remote_error_propagation\.ts:\d+:\d+\)$/m);
  for (let i = 0; i < 3; i++) {
    assert.match(r.stdout, new RegExp(`^actor_${i} \\(pid \\d+\\): cancelled, process gone$`, 'm'));
  }
  assert.equal(r.stderr, '');
});

test('spawn_backends: the same tree runs on every start method, worker leaves as threads of their parent', { timeout: 90_000 }, async () => {
  const r = await runExample('spawn_backends', { ms: 80_000 });
  assertExit(r, 0);
  assert.deepEqual(r.lines, [
    'subprocess: the leaves returned 14 and 30 and ran as processes of their own',
    'prewarm: the leaves returned 14 and 30 and ran as processes of their own',
    'worker: the leaves returned 14 and 30 and ran as threads of their parent',
  ]);
  assert.equal(r.stderr, '');
  assert.deepEqual(await survivorsOf(r.runId), []);
});
