// The inbox of one dialog (runtime/dialog.ts): what it hands out after the
// peer failed as a whole. A peer's own failure (an Error of no dialog)
// reaches a dialog while its owner is between two reads, and the messages
// that follow it on the wire (its tasks' cancellation, say) are its
// consequences: the failure, not them, is what the owner reads next. On a
// loaded machine all of them arrive in one socket read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Dialog } from '../../lib/runtime/dialog.ts';
import type { DialogMsg } from '../../lib/msg/types.ts';

const T = { timeout: 5_000 };

test('after the peer failed, messages that arrive later are not handed out before the failure', T, async () => {
  const d = new Dialog('c1');
  const first = d.next();
  d.deliver({ msg_type: 'StartAck', cid: 'c1', functype: 'asyncfunc' } as DialogMsg); // the owner is not reading again yet
  const failure = new RangeError('the peer failed');
  d.fail(failure);
  d.deliver({ msg_type: 'Error', cid: 'c1', message: 'cancelled by itself' } as unknown as DialogMsg);
  assert.equal((await first).msg_type, 'StartAck');
  await assert.rejects(d.next(), (err) => err === failure);
});

test('messages queued before the failure are still handed out first', T, async () => {
  const d = new Dialog('c2');
  d.deliver({ msg_type: 'Yield', cid: 'c2', pld: 1 } as DialogMsg);
  const failure = new Error('channel closed');
  d.fail(failure);
  assert.equal((await d.next()).msg_type, 'Yield');
  await assert.rejects(d.next(), (err) => err === failure);
});
