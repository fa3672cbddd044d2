/**
 * The `tractor.msg` namespace: what users need of the wire, custom types on
 * it first (SPEC "Custom types on the wire").
 */
export { registerType, type TypeCodec, EXT_MAP, EXT_SET, EXT_BIGINT, EXT_TYPED_ARRAY } from './ext.ts';
