// Errors cross process boundaries boxed, typed and traceable (real processes).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
import { boom, CORE, exceedQuota, nestedFail, QuotaExceeded, throwNotRegistered } from '../fixtures/core.ts';

const T = { timeout: 15_000 };

test('a remote TypeError arrives as a RemoteActorError with its type, source, relay path, stack and cause', T, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  const p = await an.startActor('thrower');
  const uid: tractor.Uid = [p.chan.aid!.name, p.chan.aid!.uuid];
  await assert.rejects(p.run(boom, { msg: 'bad input, remotely' }), (err: unknown) => {
    assert.ok(err instanceof tractor.RemoteActorError);
    assert.ok(err instanceof Error);
    assert.equal(err.code, 'ERR_TRACTOR_REMOTE_ACTOR');
    assert.equal(err.boxedType, TypeError);
    assert.equal(err.boxedTypeName, 'TypeError');
    assert.deepEqual(err.srcUid, uid);
    assert.deepEqual(err.relayPath, [uid]);
    assert.match(err.message, /bad input, remotely/);
    assert.equal(err.remoteMessage, 'bad input, remotely');
    assert.match(err.message, /thrower/, 'the message names the actor');
    assert.match(err.remoteStack, /boom/, 'the remote stack names the remote function');
    assert.ok(err.cause instanceof TypeError);
    assert.equal((err.cause as TypeError).message, 'bad input, remotely');
    assert.match(tractor.formatError(err), /remote traceback/);
    return true;
  });
});

test('registerErrorType makes a user error class come back typed', T, async () => {
  // Importing the fixture registered QuotaExceeded here too (it calls registerErrorType at top level).
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  const p = await an.startActor('quota');
  await assert.rejects(p.run(exceedQuota, { limit: 3 }), (err: unknown) => {
    assert.ok(err instanceof tractor.RemoteActorError);
    assert.equal(err.boxedType, QuotaExceeded);
    assert.equal(err.boxedTypeName, 'QuotaExceeded');
    assert.ok(err.cause instanceof QuotaExceeded);
    assert.equal((err.cause as Error).message, 'quota of 3 exceeded');
    return true;
  });
  // An unregistered class keeps its name, without a constructor to rebuild it with.
  await assert.rejects(p.run(throwNotRegistered), (err: unknown) => {
    assert.ok(err instanceof tractor.RemoteActorError);
    assert.equal(err.boxedType, undefined);
    assert.equal(err.boxedTypeName, 'NotRegistered');
    assert.match(err.message, /nobody registered me/);
    return true;
  });
});

test('a grandchild error reaches the root boxed, with the relay path grandchild -> child', T, async () => {
  await using an = await tractor.openNursery({ enableModules: [CORE] });
  const p = await an.runInActor(nestedFail, { msg: 'deep trouble' }, { name: 'child' });
  const childUid: tractor.Uid = [p.chan.aid!.name, p.chan.aid!.uuid];
  await assert.rejects(p.waitForResult(), (err: unknown) => {
    assert.ok(err instanceof tractor.RemoteActorError);
    assert.equal(err.boxedType, TypeError, 'the original type survives the relay');
    assert.equal(err.srcUid[0], 'grandchild', 'the source is the grandchild');
    assert.equal(err.relayPath.length, 2);
    assert.deepEqual(err.relayPath[0], err.srcUid);
    assert.deepEqual(err.relayPath[1], childUid);
    assert.equal(err.remoteMessage, 'deep trouble');
    assert.equal(err.message.match(/TypeError in actor/g)?.length, 1, `prefixed once: ${err.message}`);
    assert.match(err.message, /relayed via child/);
    assert.match(err.remoteStack, /boom/);
    return true;
  });
});

test('every error class has a stable code', T, () => {
  const codes: [unknown, string][] = [
    [new tractor.TractorError('x'), 'ERR_TRACTOR'],
    [new tractor.ModuleNotExposed('x'), 'ERR_TRACTOR_MODULE_NOT_EXPOSED'],
    [new tractor.MsgTypeError('x'), 'ERR_TRACTOR_MSG_TYPE'],
    [new tractor.TransportClosed('x'), 'ERR_TRACTOR_TRANSPORT_CLOSED'],
    [new tractor.StreamOverrun('x'), 'ERR_TRACTOR_STREAM_OVERRUN'],
    [new tractor.FrameTooLarge('x', 2, 1), 'ERR_TRACTOR_FRAME_TOO_LARGE'],
    [new tractor.Lagged('x'), 'ERR_TRACTOR_LAGGED'],
    [new tractor.EndOfStream('x'), 'ERR_TRACTOR_END_OF_STREAM'],
    [new tractor.InvalidAddress('x'), 'ERR_TRACTOR_INVALID_ADDRESS'],
    [new tractor.ActorFailure('x'), 'ERR_TRACTOR_ACTOR_FAILURE'],
    [new tractor.Cancelled('x'), 'ERR_TRACTOR_CANCELLED'],
    [new tractor.RuntimeUsageError('x'), 'ERR_TRACTOR_USAGE'],
    [new tractor.RemoteActorError('x', { srcUid: ['a', 'b'], srcTypeName: 'Error', relayPath: [], remoteStack: '' }), 'ERR_TRACTOR_REMOTE_ACTOR'],
    [new tractor.ContextCancelled('x', { srcUid: ['a', 'b'], srcTypeName: 'ContextCancelled', relayPath: [], remoteStack: '' }), 'ERR_TRACTOR_CONTEXT_CANCELLED'],
  ];
  for (const [err, code] of codes) {
    assert.ok(err instanceof tractor.TractorError && err instanceof Error);
    assert.equal((err as tractor.TractorError).code, code);
    assert.equal((err as Error).name, (err as object).constructor.name);
  }
});
