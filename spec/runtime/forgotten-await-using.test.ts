// Forgetting `await using` on a nursery never hangs silently: in a plain
// script (outside run()) the program says so once it has nothing left to do;
// inside run() it says so when main() ends; `using` instead of `await using`
// is a RuntimeUsageError that says to use `await using` (and closes the
// nursery, so that mistake does not hang either). A program that is merely
// busy with its own work is never told it forgot. Real programs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAlive, runScript, waitDead, within } from '../helpers.ts';

const T = { timeout: 60_000 };
const PROGRAM = new URL('../fixtures/programs/forgot-await-using.ts', import.meta.url);
const FORGOT = /never closed.*`await using an = await tractor\.openNursery\(\)`/;

async function childOf(prog: ReturnType<typeof runScript>): Promise<number> {
  return ((await within(prog.firstLine, 30_000, 'the child to run')) as { child: number }).child;
}

async function untilStderr(prog: ReturnType<typeof runScript>, re: RegExp, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!re.test(prog.stderr())) {
    if (Date.now() > end || prog.proc.exitCode !== null) throw new Error(`no stderr matching ${re}\n--- stderr\n${prog.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a plain script that never closes its nursery says it forgot `await using` once it has nothing left to do', T, async () => {
  const prog = runScript(PROGRAM, ['plain']);
  try {
    const child = await childOf(prog);
    await untilStderr(prog, FORGOT, 20_000);
    assert.equal(prog.stderr().match(new RegExp(FORGOT, 'g'))?.length, 1, 'said once');
    prog.proc.kill('SIGKILL');
    assert.deepEqual(await waitDead([child], 10_000), [], 'its child exits with it');
  } finally {
    prog.proc.kill('SIGKILL');
    await prog.exited;
  }
});

test('inside run(), main() ending with a nursery never closed says to use `await using`; the child is reaped', T, async () => {
  const prog = runScript(PROGRAM, ['run']);
  const child = await childOf(prog);
  const exit = await within(prog.exited, 30_000, 'the program to exit');
  assert.equal(exit.code, 0, prog.stderr());
  assert.match(prog.stderr(), /main\(\) ended with 1 actor nursery never closed/);
  assert.match(prog.stderr(), FORGOT);
  assert.equal(isAlive(child), false);
});

for (const mode of ['using', 'using-run']) {
  test(`\`using\` instead of \`await using\` on a nursery (${mode === 'using' ? 'plain script' : 'inside run()'}) is a RuntimeUsageError that says to use \`await using\`; no hang`, T, async () => {
    const prog = runScript(PROGRAM, [mode]);
    const child = await childOf(prog);
    const exit = await within(prog.exited, 30_000, 'the program to exit (not hang)');
    assert.equal(exit.code, 1, prog.stderr());
    assert.match(prog.stderr(), /RuntimeUsageError: an actor nursery needs `await using an = await tractor\.openNursery\(\)`, not `using`/);
    assert.doesNotMatch(prog.stderr(), /Object not disposable/);
    assert.deepEqual(await waitDead([child], 10_000), []);
  });
}

test('`using` instead of `await using` on a root is a RuntimeUsageError that says to use `await using`; no hang', T, async () => {
  const prog = runScript(PROGRAM, ['using-root']);
  const child = await childOf(prog);
  const exit = await within(prog.exited, 30_000, 'the program to exit (not hang)');
  assert.equal(exit.code, 1, prog.stderr());
  assert.match(prog.stderr(), /RuntimeUsageError: a root needs `await using root = await tractor\.openRoot\(\)`, not `using`/);
  assert.deepEqual(await waitDead([child], 10_000), []);
});

const BUSY = { 'busy-timer': 'a timer of its own', 'busy-server': 'a server of its own', 'busy-wait': 'a waitForActor in the registrar itself' };
for (const [mode, what] of Object.entries(BUSY)) {
  test(`a program busy with ${what} while its nursery is open is never told it forgot \`await using\``, T, async () => {
    const prog = runScript(PROGRAM, [mode]);
    const child = await childOf(prog);
    const exit = await within(prog.exited, 30_000, 'the program to exit');
    assert.equal(exit.code, 0, prog.stderr());
    assert.doesNotMatch(prog.stderr(), /never closed/);
    assert.equal(isAlive(child), false);
  });
}
