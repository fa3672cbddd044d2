/**
 * Actor ids: `[name, uuid]` on the wire, `name@uuid-prefix` in messages.
 * Below every other module, since errors, logs and the wire all name actors.
 */

/** An actor's unique id: `[name, uuid]`. */
export type Uid = [name: string, uuid: string];

/** `name@1234abcd`: a short, human form of an actor uid. */
export function fmtUid(uid: Uid | null | undefined): string {
  return uid ? `${uid[0]}@${String(uid[1]).slice(0, 8)}` : '<unknown>';
}

