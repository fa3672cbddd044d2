// The public surface is exactly the SPEC's names: adding or dropping an
// export is a decision this list records. What the public objects let a user
// reach is a view, never the engine: a Root has no runtime, a portal's
// channel only says who, whether open and where.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tractor from 'tractor-ts';
const BASIC = new URL('../fixtures/basic.ts', import.meta.url).href;

const T = { timeout: 30_000 };

const EXPORTS = [
  // runtime and spawning
  'openRoot', 'openNursery', 'run', 'runDaemon', 'Root', 'ActorNursery', 'Portal', 'currentActor', 'isMain', 'isRootProcess',
  'getRuntimeVars', 'currentSignal', 'sleep', 'sleepForever',
  // contexts and streams
  'context', 'Context', 'currentIpcCtx', 'MsgStream', 'BroadcastReceiver',
  // calling a function by name (a Python peer's); local structured concurrency; infected Promise code
  'remoteFunction', 'openTaskNursery', 'TaskNursery', 'trionics', 'toPromise',
  // debug mode
  'pause', 'postMortem', 'DebuggerQuit',
  // discovery, cluster
  'findActor', 'waitForActor', 'queryActor', 'getRegistry', 'openActorCluster', 'ActorCluster',
  // errors
  'TractorError', 'InvalidArgument', 'RemoteActorError', 'ContextCancelled', 'ModuleNotExposed', 'MsgTypeError', 'TransportClosed',
  'ConnectTimeout', 'HandshakeTimeout', 'StreamOverrun', 'Lagged', 'EndOfStream', 'NoResult', 'InvalidAddress', 'RegistryError',
  'NotARegistrar', 'UnknownRuntimeMethod', 'FunctionNotFound', 'FrameTooLarge', 'ActorFailure', 'Cancelled', 'RuntimeUsageError', 'AuthenticationError', 'registerErrorType', 'formatError',
  // logging; the wire's custom types
  'log', 'msg',
];

test('the package exports exactly the public names; tractor.log is getLogger and getConsoleLog, tractor.msg registerType and its codes; tractor.trionics and tractor.toPromise their helpers', T, () => {
  assert.deepEqual(Object.keys(tractor).sort(), [...EXPORTS].sort());
  assert.deepEqual(Object.keys(tractor.log).sort(), ['getConsoleLog', 'getLogger']);
  assert.deepEqual(Object.keys(tractor.msg).sort(), ['EXT_BIGINT', 'EXT_MAP', 'EXT_SET', 'EXT_TYPED_ARRAY', 'registerType']);
  assert.deepEqual(Object.keys(tractor.trionics).sort(), ['CachedResource', 'GatheredContexts', 'gatherContexts', 'maybeOpenContext']);
  assert.deepEqual(Object.keys(tractor.toPromise).sort(), ['LegacyChannel', 'events', 'fromCallback', 'openChannelFrom', 'pipe', 'runTask']);
});

test('every error class has a stable ERR_TRACTOR_* code and is a TractorError (InvalidArgument a TypeError too)', T, () => {
  const errors = Object.entries(tractor).filter(([, v]) => typeof v === 'function' && v.prototype instanceof Error);
  for (const [name, cls] of errors) {
    const err = name === 'RemoteActorError' || name === 'ContextCancelled'
      ? new (cls as typeof tractor.RemoteActorError)('x', { srcUid: ['a', 'b'], srcTypeName: 'Error', relayPath: [], remoteStack: '' })
      : new (cls as new (m: string) => Error)('x');
    assert.ok(err instanceof tractor.TractorError, `${name} is a TractorError`);
    assert.match((err as tractor.TractorError).code, /^ERR_TRACTOR(_[A-Z_]+)?$/, name);
  }
  assert.ok(new tractor.InvalidArgument('x') instanceof TypeError);
  assert.equal(new tractor.InvalidArgument('x').code, 'ERR_TRACTOR_INVALID_ARG');
  assert.ok(!(new TypeError('x') instanceof tractor.TractorError), 'a plain TypeError is not one');
});

test('a Root does not expose its runtime; a portal channel is a read-only view; a broadcast receiver hides its hub', T, async () => {
  await using root = await tractor.openRoot({ name: 'exports' });
  assert.deepEqual(Object.keys(root), []);
  assert.ok(!('runtime' in root));
  await using an = await tractor.openNursery({ enableModules: [BASIC] });
  const portal = await an.startActor('viewed');
  const chan = portal.chan;
  assert.deepEqual(Object.keys(chan).sort(), ['aid', 'closed', 'raddr']);
  assert.equal(chan.aid?.name, 'viewed');
  assert.equal(chan.closed, false);
  assert.ok(Object.isFrozen(chan));
  assert.ok(!('send' in chan) && !('close' in chan), 'no way to write to or close the channel through the view');
});

test('every exported class and function keeps its own name in the build (error classes cross the wire by name)', T, () => {
  const renamed = Object.entries(tractor)
    .filter(([key, v]) => typeof v === 'function' && v.name !== key)
    .map(([key, v]) => `${key} is named ${(v as { name: string }).name}`);
  assert.deepEqual(renamed, []);
});

