/**
 * The wire protocol: every message type, field for field as Python tractor's
 * `msg.types` structs (tag `msg_type`, snake_case), as one discriminated union.
 */

import type { Uid } from '../uid.ts';

export type { Uid };

/** What an RPC target is, as the callee reports in `StartAck`. */
export type FuncType = 'asyncfunc' | 'asyncgen' | 'context';

export interface AidMsg {
  msg_type: 'Aid'; name: string; uuid: string; pid: number;
  /** tractor-ts extension: cookie authentication (see `ipc/auth.ts`); Python tractor ignores it. */
  auth?: AidAuth;
}

/** The authentication a tractor-ts peer announces in its `Aid`: its fresh nonce and, from the acceptor, its proof. */
export interface AidAuth { v: number; nonce: Uint8Array; key?: 'cookie' | 'spawn'; mac?: Uint8Array }

/** tractor-ts extension: the connector's proof, the third and last handshake message of an authenticated connection. */
export interface AuthMsg { msg_type: 'Auth'; mac: Uint8Array }

export interface SpawnSpecMsg {
  msg_type: 'SpawnSpec';
  name: string;
  uuid: string;
  enable_modules: string[];
  reg_addrs: string[];
  bind_addrs: string[];
  _runtime_vars: Record<string, unknown>;
  _parent_main_data: { main_url?: string | null };
  /** tractor-ts extension: the tree's authentication key (derived from its cookie), sent only over an authenticated channel. */
  auth_key?: string;
}

export interface StartMsg {
  msg_type: 'Start';
  cid: string;
  ns: string;
  func: string;
  kwargs: Record<string, unknown>;
  uid: Uid;
  pld_spec?: string | null;
}
export interface StartAckMsg { msg_type: 'StartAck'; cid: string; functype: FuncType }
export interface StartedMsg { msg_type: 'Started'; cid: string; pld: unknown }
export interface YieldMsg { msg_type: 'Yield'; cid: string; pld: unknown }
export interface StopMsg { msg_type: 'Stop'; cid: string }
export interface ReturnMsg { msg_type: 'Return'; cid: string; pld: unknown }
export interface CancelAckMsg { msg_type: 'CancelAck'; cid: string; pld: boolean }
export interface ErrorMsg {
  msg_type: 'Error';
  src_uid: Uid;
  src_type_str: string;
  boxed_type_str: string;
  relay_path: Uid[];
  message: string;
  tb_str: string;
  canceller: Uid | null;
  sender: Uid | null;
  cid: string | null;
  /**
   * The error's own data fields (`err.detail = ...`), any registered type
   * included; only present when there are some (Python tractor ignores it).
   */
  extra?: Record<string, unknown>;
}

export type Msg =
  | AidMsg | SpawnSpecMsg | StartMsg | StartAckMsg | StartedMsg | YieldMsg
  | StopMsg | ReturnMsg | CancelAckMsg | ErrorMsg | AuthMsg;

/** Messages that belong to one dialog (one `cid`) after its `Start`. */
export type DialogMsg = StartAckMsg | StartedMsg | YieldMsg | StopMsg | ReturnMsg | CancelAckMsg | ErrorMsg;
