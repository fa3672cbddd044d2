// Remote error propagation: an actor fails, its error crosses the process
// boundary boxed as a RemoteActorError (original type, source actor, remote
// stack), the nursery cancels every other actor (one-cancels-all), and the
// error is raised in the root. The TS twin of tractor's
// examples/remote_error_propagation.py.
//
//   npx tsx examples/remote_error_propagation.ts
//
// Like the Python original (which wraps trio.run() in try/except), this
// program catches the RemoteActorError and prints it, so it exits 0. Without
// the try/catch, tractor.run() would print the same error with its remote
// traceback and exit with code 1.
import assert from 'node:assert';
import * as tractor from 'tractor-ts';

// Make node's AssertionError known to the tree, so that the boxed error comes
// back with `boxedType === assert.AssertionError` (and a rebuilt `cause`).
// This runs in the root and, since the child imports this module, there too.
tractor.registerErrorType(assert.AssertionError);

export async function assertErr(): Promise<void> {
  // (The message is explicit: without one, node's assert quotes the failing
  // source line, which it cannot find reliably in a file run through tsx.)
  assert.ok(0, 'assert 0: this actor fails on purpose');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const realActors: tractor.Portal[] = [];
  try {
    await using an = await tractor.openNursery();
    for (let i = 0; i < 3; i++) {
      realActors.push(await an.startActor(`actor_${i}`, { enableModules: [import.meta.url] }));
    }

    // start one actor that will fail immediately
    await an.runInActor(assertErr);

    // Waiting is explicit in tractor-ts: this raises the child's error. By
    // the time it reaches the catch below, leaving the block has cancelled
    // the 3 daemon actors and reaped every process.
    await an.wait();
  } catch (err) {
    if (!(err instanceof tractor.RemoteActorError)) throw err;
    console.log('Look Maa that actor failed hard, hehhh!');
    console.log(`  boxed type: ${err.boxedTypeName} (same class as here: ${err.boxedType === assert.AssertionError})`);
    console.log(`  raised in actor: ${err.srcActor}`);
    console.log(`  error: ${err.message}`);
    console.log('  remote traceback:');
    console.log(err.remoteStack.split('\n').map((l) => `    ${l}`).join('\n'));
  }
  // one-cancels-all: the daemon actors were cancelled and their processes reaped
  for (const p of realActors) {
    console.log(`${p.chan.aid?.name} (pid ${p.chan.aid?.pid}): ${isAlive(p.chan.aid!.pid) ? 'STILL RUNNING' : 'cancelled, process gone'}`);
  }
}

if (tractor.isMain(import.meta)) tractor.run(main);
