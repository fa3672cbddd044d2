// openActorCluster: a set of daemon actors spawned concurrently under one
// nursery, used through a Map of portals, reaped together (real processes).
import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import { bootTimes, DISC, hello, sleepForever } from '../fixtures/discovery.ts';
import { privateRegistry, registryNames, untilRegistry } from '../discovery-helpers.ts';
import { actorProcesses, errorTree, thrown, waitDead } from '../helpers.ts';

const T = { timeout: 20_000 };

test('openActorCluster spawns `count` actors concurrently; every portal serves the modules; disposal reaps them all', T, async () => {
  const reg = await privateRegistry();
  await using _root = await tractor.openRoot({ registryAddrs: [reg] });
  let pids: number[];
  let pending: Promise<unknown>[];
  {
    await using cluster = await tractor.openActorCluster({ modules: [DISC], count: 4 });
    assert.deepEqual([...cluster.portals.keys()], ['worker_0', 'worker_1', 'worker_2', 'worker_3']);
    // run a function on every portal concurrently
    const infos = await Promise.all([...cluster.portals.values()].map((p) => p.run(hello)));
    assert.deepEqual(infos.map((i) => i.name), [...cluster.portals.keys()]);
    pids = infos.map((i) => i.pid);
    assert.equal(new Set(pids).size, 4, 'one process per actor');
    assert.ok(!pids.includes(process.pid));
    assert.deepEqual(actorProcesses().sort(), [...pids].sort());
    // concurrently: every process had started before any of them finished booting
    const times = await Promise.all([...cluster.portals.values()].map((p) => p.run(bootTimes)));
    const spread = Math.max(...times.map((t) => t.started)) - Math.min(...times.map((t) => t.started));
    const fastestBoot = Math.min(...times.map((t) => t.loaded - t.started));
    assert.ok(spread < fastestBoot, `spawned concurrently: starts spread over ${spread} ms, fastest boot ${fastestBoot} ms`);
    // calls still in flight when the cluster goes away fail, they do not hang
    pending = [...cluster.portals.values()].map((p) => thrown(() => p.run(sleepForever)));
  }
  assert.deepEqual(await waitDead(pids, 2000), [], 'no actor outlives the cluster');
  for (const err of await Promise.all(pending)) assert.ok(err instanceof Error, `an in-flight call rejects: ${err}`);
  assert.deepEqual(actorProcesses(), []);
  assert.deepEqual(await untilRegistry(reg, (n) => n.length === 1, 'the workers to unregister'), ['root']);
});

test('openActorCluster: `names` name the actors (and set their number); they are discoverable by name', T, async () => {
  const reg = await privateRegistry();
  await using _root = await tractor.openRoot({ registryAddrs: [reg] });
  {
    await using cluster = await tractor.openActorCluster({ modules: [DISC], names: ['ann', 'bob', 'cy'] });
    assert.deepEqual([...cluster.portals.keys()], ['ann', 'bob', 'cy']);
    await untilRegistry(reg, (n) => ['ann', 'bob', 'cy'].every((x) => n.includes(x)), 'the cluster to register');
    await using bob = await tractor.findActor('bob');
    assert.equal((await bob!.run(hello)).pid, cluster.portals.get('bob')!.chan.aid!.pid);
  }
  assert.deepEqual(await registryNames(reg), ['root']);
});

test('openActorCluster: count defaults to os.availableParallelism(), and it boots a root when none runs', T, async () => {
  const reg = await privateRegistry();
  assert.throws(() => tractor.currentActor(), tractor.RuntimeUsageError, 'no runtime yet');
  let pids: number[] = [];
  {
    // without a root, the cluster's nursery boots one (registry from TRACTOR_TS_REGISTRY_ADDRS)
    process.env.TRACTOR_TS_REGISTRY_ADDRS_SAVED = process.env.TRACTOR_TS_REGISTRY_ADDRS ?? '';
    process.env.TRACTOR_TS_REGISTRY_ADDRS = reg;
    try {
      await using cluster = await tractor.openActorCluster({ modules: [DISC] });
      assert.equal(cluster.portals.size, os.availableParallelism());
      assert.equal(tractor.currentActor().isRegistrar, true);
      pids = await Promise.all([...cluster.portals.values()].map(async (p) => (await p.run(hello)).pid));
    } finally {
      process.env.TRACTOR_TS_REGISTRY_ADDRS = process.env.TRACTOR_TS_REGISTRY_ADDRS_SAVED;
      delete process.env.TRACTOR_TS_REGISTRY_ADDRS_SAVED;
    }
  }
  assert.deepEqual(await waitDead(pids, 2000), []);
  assert.throws(() => tractor.currentActor(), tractor.RuntimeUsageError, 'the root it booted is closed with it');
});

test('openActorCluster: bad options are a TypeError before anything spawns', T, async () => {
  const reg = await privateRegistry();
  await using _root = await tractor.openRoot({ registryAddrs: [reg] });
  const cases: [unknown, RegExp][] = [
    [{}, /needs the list of modules/],
    [{ modules: [DISC], names: ['a', 'b'], count: 3 }, /2 names for a count of 3/],
    [{ modules: [DISC], names: ['a', 'a'] }, /names must be unique/],
    [{ modules: [DISC], names: [] }, /names must be a non-empty list/],
    [{ modules: [DISC], names: ['a', ''] }, /names must be a non-empty list of non-empty strings/],
    [{ modules: [DISC], count: 0 }, /count must be a positive integer, got 0/],
    [{ modules: [DISC], count: -1 }, /count must be a positive integer, got -1/],
    [{ modules: [DISC], count: 1.5 }, /count must be a positive integer, got 1.5/],
  ];
  for (const [opts, message] of cases) {
    await assert.rejects(tractor.openActorCluster(opts as tractor.ClusterOptions), (err: Error) => {
      assert.ok(err instanceof TypeError, `${JSON.stringify(opts)}: ${err}`);
      assert.match(err.message, message);
      return true;
    });
  }
  assert.deepEqual(actorProcesses(), []);
});

test('openActorCluster: an actor that fails to boot fails like any daemon (the open, a call or disposal raises its error); no process is left behind', T, async () => {
  const reg = await privateRegistry();
  await using _root = await tractor.openRoot({ registryAddrs: [reg] });
  const missing = new URL('../fixtures/no-such-module.ts', import.meta.url).href;
  let callErr: unknown;
  const err = await thrown(async () => {
    // the boot failure may land while the other actor is still spawning (the open rejects) or after it
    await using cluster = await tractor.openActorCluster({ modules: [missing], count: 2 });
    callErr = await thrown(() => cluster.portals.get('worker_0')!.runFromNs(missing, 'anything'));
  });
  const raised = [callErr, err].filter((e) => e !== undefined);
  assert.ok(raised.length > 0, 'the failure reaches the user');
  for (const e of raised) {
    const boxed = errorTree(e).find((x) => x instanceof tractor.RemoteActorError) as tractor.RemoteActorError | undefined;
    assert.ok(boxed, `a boxed boot error: ${e}`);
    assert.match(boxed.message, /Cannot find module .*no-such-module\.ts/);
  }
  assert.deepEqual(await waitDead(actorProcesses(), 2000), []);
  assert.deepEqual(await untilRegistry(reg, (n) => n.length === 1, 'nothing to stay registered'), ['root']);
});
