import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import { echo, execArgv } from './fixtures/basic.ts';

test('a one-shot actor returns its result', { timeout: 20_000 }, async () => {
  await using an = await tractor.openNursery({ enableModules: [new URL('./fixtures/basic.ts', import.meta.url).href] });
  const p = await an.runInActor(echo, { value: { a: [1, 'x'] } });
  assert.deepEqual(await p.waitForResult(), { a: [1, 'x'] });
  const q = await an.runInActor(execArgv, {});
  console.log(await q.waitForResult());
});
