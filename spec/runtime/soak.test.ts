// Soak: spawn-call-cancel cycles, one at a time and in batches, leave no fd,
// no process and no heap behind beyond a constant. The fast version: 30 of
// each (TRACTOR_TS_SOAK_CYCLES sets the count); `npm run chaos` runs 1,000 of
// each and prints the figures as JSON lines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import { soak, type SoakFigure } from '../soak-cycles.ts';

const CYCLES = Number(process.env.TRACTOR_TS_SOAK_CYCLES ?? 30);
const T = { timeout: 240_000 };

function assertBounded(figures: SoakFigure[]): void {
  const last = figures.at(-1)!;
  const what = JSON.stringify(figures);
  assert.equal(last.dChildren, 0, `every child process is reaped: ${what}`);
  assert.ok(last.dFds <= 4, `open fds back near where they started: ${what}`);
  assert.ok(last.dHeapMiB < 8, `the heap back near where it started: ${what}`);
}

for (const [mode, batch] of [['one at a time', 1], ['batched', 10]] as const) {
  test(`${CYCLES} spawn-call-cancel cycles ${mode} leave no fd, process or heap growth beyond a constant`, T, async () => {
    await using an = await tractor.openNursery();
    const figures = await soak(an, { mode, total: CYCLES, batch, warmup: batch === 1 ? 3 : 10, every: CYCLES / 2 }, (f) => console.log(JSON.stringify({ bench: 'soak', ...f })));
    assertBounded(figures);
  });
}
