/**
 * tractor-ts: structured concurrency across processes.
 *
 * ```ts
 * import * as tractor from 'tractor-ts';
 * export async function hi(args: { who: string }) { return `hi ${args.who} from ${tractor.currentActor().name}`; }
 * async function main() {
 *   await using an = await tractor.openNursery();
 *   const portal = await an.runInActor(hi, { who: 'root' });
 *   console.log(await portal.waitForResult());
 * }
 * if (tractor.isMain(import.meta)) tractor.run(main);
 * ```
 * @module
 */
export { openRoot, openNursery, run, runDaemon, Root, type RootOptions } from './runtime/root.ts';
export { ActorNursery, type SpawnOptions, type NurseryOptions } from './runtime/nursery.ts';
export { Portal, type ArgsOf, type ResultOf, type RemoteFn, type RemoteGenFn, type YieldOf, type CallOptions } from './runtime/portal.ts';
export { currentActor, type ActorInfo as Actor } from './runtime/api.ts';
export { isMain, isRootProcess, getRuntimeVars, type RuntimeVars, type StartMethod } from './runtime/state.ts';
export { currentSignal, sleep, sleepForever } from './runtime/scope.ts';
export { context, Context, currentIpcCtx, type ContextFn, type ContextOptions, type ContextEndpointOptions } from './context.ts';
export { MsgStream, type OpenStreamOptions } from './stream.ts';
export { BroadcastReceiver } from './broadcast.ts';
export type { StandardSchemaV1 } from './msg/schema.ts';
export { findActor, waitForActor, queryActor, getRegistry, type DiscoveryOptions } from './discovery/client.ts';
export type { RegistryEntry } from './discovery/registrar.ts';
export { openActorCluster, ActorCluster, type ClusterOptions } from './cluster.ts';
export { Channel, type Aid } from './ipc/channel.ts';
export type { Address, TransportName } from './ipc/addr.ts';
export type { Uid } from './msg/types.ts';
export {
  TractorError, RemoteActorError, ContextCancelled, ModuleNotExposed, MsgTypeError, TransportClosed,
  StreamOverrun, Lagged, EndOfStream, NoResult, InvalidAddress, RegistryError, ActorFailure, Cancelled, RuntimeUsageError,
  InvalidArgument, registerErrorType, formatError,
} from './errors.ts';
export * as log from './log.ts';
export type { LogLevel } from './log.ts';
