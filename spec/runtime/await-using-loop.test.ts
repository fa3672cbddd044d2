// The `await using`-in-a-loop trap (README, "Node 20 and Node 24"): esbuild's
// lowering on Node 20 resurfaces an earlier iteration's error at the end of a
// later one; Node 24 runs `await using` natively. The workaround (the loop
// body in its own async function) is right on both.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NATIVE_TYPESCRIPT } from '../../lib/spawn/flags.ts';
import { runScript } from '../helpers.ts';

const PROGRAM = new URL('../fixtures/programs/await-using-loop.ts', import.meta.url);
const RIGHT = ['0:boom', '1:ok', '2:ok'];

test('await using in a loop body: the body in a function never resurfaces an earlier error', { timeout: 20_000 }, async () => {
  const script = runScript(PROGRAM);
  const seen = (await script.firstLine) as { direct: string[]; inFunction: string[] };
  assert.equal((await script.exited).code, 0, script.stderr());
  assert.deepEqual(seen.inFunction, RIGHT);
  if (NATIVE_TYPESCRIPT) {
    assert.deepEqual(seen.direct, RIGHT, 'Node runs await using natively: no trap');
  } else {
    // The trap itself, as the README documents it: when this fails, esbuild fixed it; update the README.
    assert.deepEqual(seen.direct, ['0:boom', '1:ok', '1:boom', '2:ok', '2:boom']);
  }
});
