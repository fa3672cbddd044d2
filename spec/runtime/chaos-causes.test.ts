// Chaos rounds that once failed, kept in the suite: seed 9000 (a leaf
// SIGKILLed under n1-1: top's relay from n1-1 ended cleanly and the root
// hung) and 9001 (n1-1 SIGKILLed: the root got a SuppressedError of its
// ActorFailure and a TransportClosed relayed by top). The long run with
// random seeds is `npm run chaos`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chaosRound } from '../chaos-round.ts';

const T = { timeout: 90_000 };

for (const seed of [9000, 9001]) {
  test(`chaos seed ${seed}: the root gets the SIGKILLed actor's cause (no SuppressedError, no hang, within 10 s) and nothing survives`, T, async () => {
    const r = await chaosRound(seed);
    const round = JSON.stringify(r);
    assert.ok(r.error, `the root got no error: ${round}`);
    assert.notEqual(r.errorName, 'SuppressedError', round);
    assert.doesNotMatch(r.errorText, /SuppressedError|suppressed during disposal/, round);
    assert.match(r.errorText, /ActorFailure|TransportClosed/, `the cause names the death: ${round}`);
    assert.ok(r.causeMs < 10_000, `the cause took ${r.causeMs} ms: ${round}`);
    assert.deepEqual(r.survivors, [], round);
  });
}
