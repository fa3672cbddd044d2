/**
 * The `'prewarm'` spawn backend (placeholder until it lands): no spare is
 * ever ready, so a spawn starts a fresh process.
 */
import { availableParallelism } from 'node:os';
import { InvalidArgument } from '../errors.ts';
import type { Launched } from './launch.ts';

let count = 1;

/** `RootOptions.prewarm`: a whole number from 0 to `os.availableParallelism()`. */
export function checkPrewarm(n: unknown): void {
  if (n === undefined) return;
  const max = availableParallelism();
  if (!Number.isInteger(n) || (n as number) < 0 || (n as number) > max) {
    throw new InvalidArgument(`RootOptions.prewarm: expected a whole number of spare processes from 0 to ${max} (os.availableParallelism()), got ${JSON.stringify(n)}`);
  }
}

export function setPrewarmCount(n: number | undefined): void {
  count = n ?? 1;
}

export function takeSpare(_argv: [string, string, string]): Launched | undefined {
  return count < 0 ? undefined : undefined;
}
