import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import { echo } from '../fixtures/basic.ts';

const BASIC = new URL('../fixtures/basic.ts', import.meta.url).href;

test('a one-shot actor returns its result', { timeout: 20_000 }, async () => {
  await using an = await tractor.openNursery({ enableModules: [BASIC] });
  const p = await an.runInActor(echo, { value: { a: [1, 'x'] } });
  assert.deepEqual(await p.waitForResult(), { a: [1, 'x'] });
});
