// Debug mode, driven as a user drives it: the examples under
// examples/debugging/ run with their stdin on a pipe (and through a real pty
// for the crash flow and the Ctrl-C shield), a command sent at each prompt.
// The twin of tractor's tests/devx/test_debugger.py.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { test } from 'node:test';
import * as tractor from '../../lib/index.ts';
import { debugHooks } from '../../lib/runtime/debug-hooks.ts';
import { DebugSession, HAVE_SCRIPT } from '../debug-helpers.ts';
import { survivorsOf } from '../examples-helpers.ts';

const T = { timeout: 90_000 };

/** Run `example`, let `body` talk to it, then check its exit code and that no process of its tree is left. */
async function drive(example: string, code: number, body: (s: DebugSession) => Promise<void>, opts: { pty?: boolean } = {}): Promise<void> {
  const s = new DebugSession(example, opts);
  try {
    await body(s);
    const exit = await s.done;
    // The tail of the output is what explains a wrong exit (a failure message shows its start only).
    assert.equal(exit.code, code, `exit ${JSON.stringify(exit)}, expected code ${code}; output's tail:\n${s.output.slice(-3000)}`);
    assert.deepEqual(await survivorsOf(s.runId, 3000), [], 'no process of the tree outlives it');
  } finally {
    await s.kill();
    for (const p of await survivorsOf(s.runId, 0)) process.kill(p.pid, 'SIGKILL');
  }
}

test('root_actor_breakpoint: pause() stops in the root task\'s frame; p sees its locals, n steps to the next line, c continues', T, async () => {
  await drive('root_actor_breakpoint', 0, async (s) => {
    let at = await s.prompt();
    assert.equal(at.actor, 'root');
    assert.match(at.before, /Opening a REPL in paused actor root@[0-9a-f]{8} at main \(examples\/debugging\/root_actor_breakpoint\.ts:14\)/);
    assert.match(at.before, /->\s+14\s+await tractor\.pause\(\);/);
    s.send('p greeting');
    at = await s.prompt();
    assert.match(at.before, /'hello from root with a child sleepy'/);
    s.send('p answer'); // not yet assigned: still on the pause() line
    at = await s.prompt();
    assert.doesNotMatch(at.before, /^42$/m);
    s.send('n');
    at = await s.prompt();
    assert.match(at.before, /->\s+15\s+const answer = 42;/);
    s.send('n');
    at = await s.prompt();
    s.send('p answer');
    at = await s.prompt();
    assert.match(at.before, /^42$/m);
    s.send('w');
    at = await s.prompt();
    assert.match(at.before, /> main \(examples\/debugging\/root_actor_breakpoint\.ts:16\)/);
    s.send('h');
    at = await s.prompt();
    for (const cmd of ['c, continue', 'n, next', 's, step', 'r, return', 'w, where, bt', 'u, up', 'd, down', 'l, list', 'p EXPR', 'q, quit', 'h, help']) {
      assert.ok(at.before.includes(cmd), `help lists ${cmd}`);
    }
    s.send('c');
    await s.expect(/hello from root with a child sleepy; the answer is 42/);
  });
});

test('subactor_error: the crashed child stops first (post mortem), then the root with the boxed error, then the program exits with it', T, async () => {
  await drive('subactor_error', 1, async (s) => {
    let at = await s.prompt();
    assert.equal(at.actor, 'nameError');
    assert.match(at.before, /Opening a REPL in crashed actor nameError@[0-9a-f]{8}:\nTypeError: Cannot read properties of undefined \(reading 'doggy'\)/);
    assert.match(at.before, /->\s+14\s+pants\.doggy\(\);/);
    s.send('p err.constructor.name + " in " + actor.name');
    at = await s.prompt();
    assert.match(at.before, /TypeError in nameError/);
    s.send('where');
    at = await s.prompt();
    assert.match(at.before, /at nameError \(.*subactor_error\.ts:14/);
    s.send('list');
    at = await s.prompt();
    assert.match(at.before, /->\s+14\s+pants\.doggy\(\);/);
    s.send('c');
    at = await s.prompt();
    assert.equal(at.actor, 'root');
    assert.match(at.before, /Opening a REPL in crashed actor root@[0-9a-f]{8}:\nRemoteActorError: TypeError in actor nameError@/);
    assert.match(at.before, /remote traceback from nameError@/);
    s.send('p err.boxedTypeName');
    at = await s.prompt();
    assert.match(at.before, /^TypeError$/m);
    s.send('c');
    await s.expect(/RemoteActorError: TypeError in actor nameError/);
  });
});

test('subactor_breakpoint: pause() in a child loop; n steps ten times, c re-enters five times, q raises DebuggerQuit that reaches the root boxed', T, async () => {
  await drive('subactor_breakpoint', 1, async (s) => {
    let at = await s.prompt();
    assert.equal(at.actor, 'breakpointForever');
    assert.match(at.before, /Opening a REPL in paused actor breakpointForever@[0-9a-f]{8} at breakpointForever \(examples\/debugging\/subactor_breakpoint\.ts:13\)/);
    s.send('p i');
    at = await s.prompt();
    assert.match(at.before, /^0$/m);
    for (let k = 0; k < 10; k++) {
      s.send('n');
      at = await s.prompt();
      assert.equal(at.actor, 'breakpointForever');
      assert.match(at.before, /->\s+1[123]\s/, 'each step stops on a line of the loop');
    }
    s.send('p typeof i');
    at = await s.prompt();
    assert.match(at.before, /'number'/);
    let last = -1;
    for (let k = 0; k < 5; k++) {
      s.send('c');
      at = await s.prompt();
      assert.match(at.before, /Opening a REPL in paused actor breakpointForever@/);
      s.send('p i');
      at = await s.prompt();
      const i = Number(/^(\d+)$/m.exec(at.before)?.[1]);
      assert.ok(i > last, `the loop went round: i=${i} after ${last}`);
      last = i;
    }
    s.send('q');
    at = await s.prompt();
    assert.equal(at.actor, 'root');
    assert.match(at.before, /RemoteActorError: DebuggerQuit in actor breakpointForever@/);
    s.send('p err.boxedTypeName + " " + err.boxedType?.name');
    at = await s.prompt();
    assert.match(at.before, /^DebuggerQuit DebuggerQuit$/m, 'the boxed type is known: DebuggerQuit is a tractor-ts error');
    s.send('c');
  });
});

/** At `actor`'s first prompt: step once (n), quit (q); returns the root's prompt, where the failure arrived. */
async function stepThenQuit(s: DebugSession, actor: string): Promise<Awaited<ReturnType<DebugSession['prompt']>>> {
  let at = await s.prompt();
  assert.equal(at.actor, actor);
  s.send('n');
  at = await s.prompt();
  assert.equal(at.actor, actor);
  s.send('q');
  at = await s.prompt();
  assert.equal(at.actor, 'root');
  return at;
}

test('q after stepping (n) in a child raises DebuggerQuit there, which reaches the root boxed, as q at the pause itself does', T, async () => {
  await drive('subactor_breakpoint', 1, async (s) => {
    let at = await stepThenQuit(s, 'breakpointForever');
    assert.match(at.before, /RemoteActorError: DebuggerQuit in actor breakpointForever@/, 'a DebuggerQuit, not a cancellation');
    s.send('p err.boxedTypeName');
    at = await s.prompt();
    assert.match(at.before, /^DebuggerQuit$/m);
    s.send('c');
  });
});

test('q after stepping (n) in a context endpoint fails it with DebuggerQuit even if it would have returned', T, async () => {
  await drive('spec/fixtures/programs/debug-context-step.ts', 1, async (s) => {
    const at = await stepThenQuit(s, 'stepper');
    assert.match(at.before, /DebuggerQuit in actor stepper@/, 'a DebuggerQuit, not a Return');
    s.send('c');
  });
});

test('q after stepping (n) in the root fails the root task with DebuggerQuit even if it would have returned', T, async () => {
  await drive('root_actor_breakpoint', 1, async (s) => {
    let at = await s.prompt();
    assert.equal(at.actor, 'root');
    s.send('n');
    at = await s.prompt();
    assert.match(at.before, /->\s+15\s+const answer = 42;/);
    s.send('q');
    await s.expect(/DebuggerQuit: quit from the debugger in actor root@[0-9a-f]{8}\n\s+at main \(.*root_actor_breakpoint\.ts:15/);
  });
});

test('multi_subactors: actors that stop at once queue for the terminal and each REPL opens in turn; the root stops last', T, async () => {
  await drive('multi_subactors', 1, async (s) => {
    const seen: string[] = [];
    for (;;) {
      const at = await s.prompt().catch(() => undefined);
      if (!at) break;
      seen.push(at.actor);
      assert.ok(seen.length < 200, `too many REPLs: ${seen.join(' ')}`);
      // `c` everywhere; the pause loop quits once the crashed actor had its turn (else it would go round forever).
      s.send(at.actor === 'bp_forever' && seen.includes('name_error') ? 'q' : 'c');
      if (at.actor === 'root') break;
    }
    assert.ok(seen.includes('bp_forever'), seen.join(' '));
    assert.ok(seen.includes('name_error'), seen.join(' '));
    assert.equal(seen.at(-1), 'root', seen.join(' '));
    assert.equal(seen.filter((a) => a === 'root').length, 1);
    // one REPL at a time: every banner is followed by its own prompt before the next banner
    const banners = s.output.split('\n').filter((l) => /^Opening a REPL|^\(tractor-ts /.test(l));
    for (let k = 0; k + 1 < banners.length; k++) {
      if (banners[k]!.startsWith('Opening')) assert.match(banners[k + 1]!, /^\(tractor-ts /, banners.join('\n'));
    }
  });
});

test('the root does not cancel the tree while an actor is at a REPL: a grandchild\'s crash REPL outlives a sibling\'s failure, and its error reaches the root', T, async () => {
  await drive('spec/fixtures/programs/debug-grandchild-crash.ts', 1, async (s) => {
    let at = await s.prompt();
    assert.equal(at.actor, 'gc');
    assert.match(at.before, /crashed actor gc@[0-9a-f]{8}:\nTypeError/);
    // Meanwhile `dies` exits (a failure of the root's nursery): the one-cancels-all must wait for this REPL.
    await new Promise((r) => setTimeout(r, 3000)); // time for it to exit and the root to learn of it (dies waits for gc's crash)
    s.send('p err.message');
    at = await s.prompt();
    assert.equal(at.actor, 'gc', 'the REPL is still there');
    assert.match(at.before, /reading 'here'/);
    assert.doesNotMatch(s.output, /killing|Opening a REPL in crashed actor root/, 'nothing was torn down under the REPL');
    s.send('c');
    at = await s.prompt();
    assert.equal(at.actor, 'middle', 'the grandchild\'s error reached its parent, which failed with it');
    assert.match(at.before, /RemoteActorError: TypeError in actor gc@/);
    s.send('c');
    at = await s.prompt();
    assert.equal(at.actor, 'root');
    assert.match(at.before, /AggregateError: 2 actors failed/);
    assert.match(at.before, /actor 'dies' died \(exit code 3\)/);
    assert.match(at.before, /TypeError in actor gc@[0-9a-f]{8} \(relayed via middle@/);
    s.send('c');
  });
});

test('SpawnOptions.debugMode under a root not in debug mode: the root starts the TTY lock for that child and gives it the terminal; a non-root parent cannot (RuntimeUsageError)', T, async () => {
  await drive('spec/fixtures/programs/debug-per-actor.ts', 0, async (s) => {
    await s.expect(/plain says: RuntimeUsageError ERR_TRACTOR_USAGE: debugMode for actor 'never' needs the terminal, which only the root has/);
    let at = await s.prompt();
    assert.equal(at.actor, 'dbg');
    assert.match(at.before, /Opening a REPL in paused actor dbg@[0-9a-f]{8} at pauses/);
    s.send('p x');
    at = await s.prompt();
    assert.match(at.before, /^7$/m, 'the REPL reads the terminal');
    s.send('c');
    await s.expect(/dbg says: 42/);
  });
});

test('pm_in_subactor: postMortem(err) on a caught error opens the REPL in the child, which then carries on', T, async () => {
  await drive('pm_in_subactor', 0, async (s) => {
    let at = await s.prompt();
    assert.equal(at.actor, 'recovers');
    assert.match(at.before, /Opening a REPL in crashed actor recovers@[0-9a-f]{8}:\nSyntaxError/);
    s.send('p err.name');
    at = await s.prompt();
    assert.match(at.before, /^SyntaxError$/m);
    s.send('c');
    await s.expect(/child says: recovered from SyntaxError/);
  });
});

// Skipped where script(1) (util-linux) is missing: it is what gives the program a real pty.
test('through a real pty: the crash flow of subactor_error (child, then root, then exit 1)', { ...T, skip: !HAVE_SCRIPT && 'script(1) is not installed' }, async () => {
  await drive('subactor_error', 1, async (s) => {
    let at = await s.prompt();
    assert.equal(at.actor, 'nameError');
    assert.match(at.before, /crashed actor nameError@/);
    s.send('p err.message');
    at = await s.prompt();
    assert.match(at.before, /Cannot read properties of undefined/);
    s.send('c');
    at = await s.prompt();
    assert.equal(at.actor, 'root');
    assert.match(at.before, /RemoteActorError: TypeError in actor nameError@/);
    s.send('c');
  }, { pty: true });
});

// Skipped where script(1) (util-linux) is missing: it is what gives the program a real pty.
test('through a real pty: Ctrl-C while a REPL is open is shielded (a hint, the tree stays up); q then ends it', { ...T, skip: !HAVE_SCRIPT && 'script(1) is not installed' }, async () => {
  await drive('subactor_breakpoint', 1, async (s) => {
    let at = await s.prompt();
    assert.equal(at.actor, 'breakpointForever');
    s.sendRaw('\x03');
    await s.expect(/Ctrl-C is shielded while a debugger REPL is open/);
    s.send('');
    s.send('p i');
    at = await s.prompt();
    at = await s.prompt().catch(() => at);
    s.send('c');
    at = await s.prompt();
    assert.equal(at.actor, 'breakpointForever', 'the tree survived the Ctrl-C');
    s.send('q');
    at = await s.prompt();
    assert.equal(at.actor, 'root');
    s.send('c');
  }, { pty: true });
});

test('an actor that dies holding the TTY lock releases it: the next REPL in line opens', T, async () => {
  await drive('spec/fixtures/programs/debug-lock-death.ts', 1, async (s) => {
    let at = await s.prompt();
    assert.equal(at.actor, 'doomed');
    s.send('p process.pid');
    at = await s.prompt();
    const pid = Number(/^(\d+)$/m.exec(at.before)?.[1]);
    assert.ok(pid > 0, at.before);
    await new Promise((r) => setTimeout(r, 4000)); // time for 'next' to boot and queue behind it (not a guarantee under load)
    process.kill(pid, 'SIGKILL');
    // The queue moves on past the dead holder: to 'next' if it queued already, else to the root (failing on the death).
    at = await s.prompt();
    assert.notEqual(at.actor, 'doomed');
    while (at.actor !== 'root') {
      s.send('c');
      at = await s.prompt();
    }
    assert.match(at.before, /doomed/);
    s.send('c');
  });
});

test('inspect: true opens the Node inspector on a free port, prints its ws:// URL with the actor\'s name and waits for a debugger', T, async () => {
  const s = new DebugSession('spec/fixtures/programs/inspect-root.ts');
  try {
    const { match } = await s.expect(/actor inspected waits for a debugger at (ws:\/\/127\.0\.0\.1:(\d+)\/[0-9a-f-]+)/);
    assert.ok(Number(match[2]) > 0);
    await new Promise((r) => setTimeout(r, 500));
    assert.doesNotMatch(s.output, /a debugger attached/, 'it waits');
  } finally {
    await s.kill();
  }
});

test('without debugMode nothing of the debugger exists: no hooks, children keep stdin closed and get no terminal fd', { timeout: 30_000 }, async () => {
  await using an = await tractor.openNursery({ name: 'plain_root' });
  const portal = await an.startActor('plain_child', { enableModules: [] });
  const pid = portal.chan.aid!.pid;
  assert.deepEqual(Object.keys(debugHooks), []);
  assert.equal(readlinkSync(`/proc/${pid}/fd/0`), '/dev/null');
  // (Node's own descriptors take fds 3 and up: what matters is that none of them is this process's output.)
  const mine = readlinkSync('/proc/self/fd/1');
  for (const fd of [3, 4]) {
    if (existsSync(`/proc/${pid}/fd/${fd}`)) assert.notEqual(readlinkSync(`/proc/${pid}/fd/${fd}`), mine, `fd ${fd} is not the terminal`);
  }
  await portal.cancelActor();
});

test('pause() and postMortem() outside debug mode are a RuntimeUsageError naming debugMode', { timeout: 20_000 }, async () => {
  await assert.rejects(tractor.pause(), (err: Error & { code?: string }) => {
    assert.ok(err instanceof tractor.RuntimeUsageError);
    assert.equal(err.code, 'ERR_TRACTOR_USAGE');
    assert.match(err.message, /debugMode/);
    return true;
  });
  await using root = await tractor.openRoot({ name: 'nodebug', registryAddrs: ['tcp://127.0.0.1:1'] }).catch(() => tractor.openRoot({ name: 'nodebug' }));
  void root;
  await assert.rejects(tractor.pause(), /debugMode/);
  await assert.rejects(tractor.postMortem(new Error('x')), /debugMode/);
});

test('every actor sets process.title to tractor-ts[<name>], as ps shows it', { timeout: 30_000 }, async () => {
  await using an = await tractor.openNursery({ name: 'titled_root' });
  const portal = await an.startActor('titled_child', { enableModules: [] });
  const pid = portal.chan.aid!.pid;
  assert.equal(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').trim(), 'tractor-ts[titled_child]');
  assert.equal(process.title, 'tractor-ts[titled_root]');
  await portal.cancelActor();
});
