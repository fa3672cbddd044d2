/**
 * The wire protocol: every message type, field for field as Python tractor's
 * `msg.types` structs (tag `msg_type`, snake_case), as one discriminated union.
 */

import type { Uid } from '../uid.ts';

export type { Uid };

/** What an RPC target is, as the callee reports in `StartAck`. */
export type FuncType = 'asyncfunc' | 'asyncgen' | 'context';

/**
 * The handshake message. `is_registrar` and `is_probe` are Python tractor's
 * (`msg/types.py` Aid: a missing or null `is_registrar` counts as a registrar
 * there); `tractor_ts` is the one extra field by which a tractor-ts peer
 * announces itself and its refinements (Python's decoder ignores unknown
 * keys). A peer without it is spoken to in Python tractor's dialect only.
 */
export interface AidMsg {
  msg_type: 'Aid';
  name: string;
  uuid: string;
  pid: number | null;
  is_registrar?: boolean | null;
  is_probe?: boolean;
  tractor_ts?: TractorTsAnnounce;
  /** tractor-ts extension: cookie authentication (see `ipc/auth.ts`); Python tractor ignores it. */
  auth?: AidAuth;
}

/** What a tractor-ts peer announces in its `Aid`: the version of its refinements of the wire. */
export interface TractorTsAnnounce {
  proto: number;
  /** The version of per-stream credit this peer grants and honours (absent: none; see `context/credit.ts`). */
  stream_credit?: number;
  /** The largest frame this peer accepts, in bytes, when not the default 64 MiB (its `maxFrameBytes`). */
  max_frame?: number;
}

/** `Start.pld_spec`: Python tractor requires a string (`str(typing.Any)`); no typed spec crosses the wire. */
export const PLD_SPEC_ANY = 'typing.Any';

/** The authentication a tractor-ts peer announces in its `Aid`: its fresh nonce and, from the acceptor, its proof. */
export interface AidAuth { v: number; nonce: Uint8Array; key?: 'cookie' | 'spawn'; mac?: Uint8Array }

/** tractor-ts extension: the connector's proof, the third and last handshake message of an authenticated connection. */
export interface AuthMsg { msg_type: 'Auth'; mac: Uint8Array }

export interface SpawnSpecMsg {
  msg_type: 'SpawnSpec';
  name: string;
  uuid: string;
  /** Module ids, then (if any) one object of dotted aliases. */
  enable_modules: (string | Record<string, string>)[];
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
  /** Always {@link PLD_SPEC_ANY} when sent; a peer may omit it. */
  pld_spec?: string;
}
export interface StartAckMsg { msg_type: 'StartAck'; cid: string; functype: FuncType }
export interface StartedMsg { msg_type: 'Started'; cid: string; pld: unknown }
export interface YieldMsg { msg_type: 'Yield'; cid: string; pld: unknown }
export interface StopMsg { msg_type: 'Stop'; cid: string }
export interface ReturnMsg { msg_type: 'Return'; cid: string; pld: unknown }
/**
 * tractor-ts extension, sent only to a peer whose `Aid` announced
 * `stream_credit`: the receiver of a context stream grants its sender `n`
 * more messages (`null`: without bound, the receiver allows overruns).
 */
export interface CreditMsg { msg_type: 'Credit'; cid: string; n: number | null }
export interface CancelAckMsg { msg_type: 'CancelAck'; cid: string; pld: boolean }
export interface ErrorMsg {
  msg_type: 'Error';
  src_uid: Uid;
  src_type_str: string;
  boxed_type_str: string;
  relay_path: Uid[];
  /** Python tractor sends `''` (or null) for builtin exceptions: the text is then the last line of `tb_str`. */
  message: string | null;
  tb_str: string;
  canceller: Uid | null;
  sender: Uid | null;
  cid: string | null;
  /** Python tractor's last two fields, always present (null) in what it sends; sent as null too. */
  _bad_msg?: null;
  _bad_msg_as_dict?: null;
  /** tractor-ts extension (Python tractor ignores it): the error's cause, errors or suppressed pair, boxed. */
  inner?: ErrorInner;
  /**
   * The error's own data fields (`err.detail = ...`), any registered type
   * included; only present when there are some (Python tractor ignores it).
   */
  extra?: Record<string, unknown>;
}

/** The insides of a boxed error (see `ErrorMsg.inner`): each one boxed in turn. */
export interface ErrorInner { cause?: ErrorMsg; errors?: ErrorMsg[]; error?: ErrorMsg; suppressed?: ErrorMsg }

export type Msg =
  | AidMsg | SpawnSpecMsg | StartMsg | StartAckMsg | StartedMsg | YieldMsg
  | StopMsg | ReturnMsg | CancelAckMsg | ErrorMsg | CreditMsg | AuthMsg;

/** Messages that belong to one dialog (one `cid`) after its `Start`. */
export type DialogMsg = StartAckMsg | StartedMsg | YieldMsg | StopMsg | ReturnMsg | CancelAckMsg | ErrorMsg | CreditMsg;
