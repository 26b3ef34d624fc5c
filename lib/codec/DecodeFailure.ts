/**
 * A line or an object that could not be decoded, surfaced as a value (never thrown, never dropped
 * silently). Carries what is known of the object so that it can be found: its key and
 * resourceVersion when the raw JSON had them, and the decode errors.
 *
 * Maps to nothing in client-go (which logs and skips such objects); kube-rs yields it as a stream
 * error.
 *
 * @example
 * ```ts
 * import type { DecodeFailure } from 'kube-rx';
 * const f: DecodeFailure = {
 *   _tag: 'DecodeFailure', source: 'watch', eventType: 'ADDED', key: 'ns/a', resourceVersion: '9',
 *   errors: ['Invalid value undefined supplied to : Widget/spec: { size: number }'], raw: '{"type":"ADDED",...',
 * };
 * ```
 * @category codec
 * @since 0.1.0
 */
export interface DecodeFailure {
  readonly _tag: 'DecodeFailure';
  /** Where the bad input came from: a LIST page or a WATCH stream. */
  readonly source: 'list' | 'watch';
  /** The watch event type (`ADDED`, ...) when the line parsed far enough to have one. */
  readonly eventType?: string;
  /** `namespace/name` (or `name`) when the raw object had a name. */
  readonly key?: string;
  /** The raw object's `metadata.resourceVersion`, when it had one. */
  readonly resourceVersion?: string;
  /** Human-readable decode errors (io-ts `PathReporter` style, or the JSON syntax error). */
  readonly errors: ReadonlyArray<string>;
  /** The start of the offending input, at most {@link DECODE_FAILURE_RAW_LIMIT} characters. */
  readonly raw: string;
}

/**
 * How many characters of the offending input a {@link DecodeFailure} keeps.
 *
 * @category codec
 * @since 0.1.0
 */
export const DECODE_FAILURE_RAW_LIMIT = 512;
