/**
 * The string formats kube-rx checks in the codec exactly as kube-apiserver checks them (go-openapi
 * `strfmt`): `date-time` (RFC 3339), `date` (`YYYY-MM-DD`), `uuid`, `byte` (standard base64).
 *
 * Maps to the OpenAPI `format` of a CRD schema (controller-gen `+kubebuilder:validation:Format`,
 * kube-rs `#[schemars(...)]` formats).
 *
 * @example
 * ```ts
 * import type { StringFormat } from 'kube-rx';
 * const f: StringFormat = 'date-time';
 * ```
 * @category crd
 * @since 0.3.0
 */
export type StringFormat = 'date-time' | 'date' | 'uuid' | 'byte';

/**
 * The value validations of an OpenAPI v3 schema that kube-rx both checks at run time (in the
 * codec) and writes into the CRD (for the server): lengths, pattern and format of strings; range
 * and `multipleOf` of numbers; item and property counts. The exclusive bounds are OpenAPI v3.0's
 * booleans beside `minimum`/`maximum`, as in a CRD.
 *
 * Maps to controller-gen's `+kubebuilder:validation:MinLength=`, `MaxLength`, `Pattern`,
 * `Format`, `Minimum`, `Maximum`, `ExclusiveMinimum`, `ExclusiveMaximum`, `MultipleOf`,
 * `MinItems`, `MaxItems`, `MinProperties`, `MaxProperties` markers and kube-rs's
 * `#[schemars(length(...), range(...), regex(...))]` / `#[garde(...)]` attributes.
 *
 * @example
 * ```ts
 * import type { ValueKeywords } from 'kube-rx';
 * const dnsLabel: ValueKeywords = { minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' };
 * ```
 * @category crd
 * @since 0.3.0
 */
export interface ValueKeywords {
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: StringFormat;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: boolean;
  readonly exclusiveMaximum?: boolean;
  readonly multipleOf?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minProperties?: number;
  readonly maxProperties?: number;
}

/** RFC 3339 date-time as strfmt's `ParseDateTime` accepts it (fraction and offset forms). */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const validDate = (y: string, m: string, d: string): boolean => {
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
};

const formatCheck: Readonly<Record<StringFormat, (s: string) => boolean>> = {
  'date-time': (s) => {
    const m = DATE_TIME.exec(s);
    return m !== null && validDate(m[1] ?? '', m[2] ?? '', m[3] ?? '') && Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[6]) < 60;
  },
  date: (s) => {
    const m = DATE.exec(s);
    return m !== null && validDate(m[1] ?? '', m[2] ?? '', m[3] ?? '');
  },
  uuid: (s) => UUID.test(s),
  byte: (s) => BASE64.test(s),
};

/** Every format kube-rx knows, for checks of user input. */
export const STRING_FORMATS: readonly StringFormat[] = ['date-time', 'date', 'uuid', 'byte'];

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === 'object' && u !== null && !Array.isArray(u);

/**
 * The first keyword of `keywords` that `value` breaks, as a message, or `undefined` when it keeps
 * them all. Keywords that do not apply to the value's JSON type are ignored (as OpenAPI does).
 * String lengths count code points (Go counts runes); `pattern` is searched, not anchored (Go's
 * `regexp.MatchString`).
 *
 * Maps to go-openapi `validate`'s string, number, slice and object validators, which
 * kube-apiserver runs on custom resources.
 *
 * @example
 * ```ts
 * import { keywordViolation } from 'kube-rx';
 * keywordViolation('', { minLength: 1 }); // 'shorter than minLength 1'
 * keywordViolation(5, { maximum: 5, exclusiveMaximum: true }); // 'not below the exclusive maximum 5'
 * ```
 * @category crd
 * @since 0.3.0
 */
export const keywordViolation = (value: unknown, keywords: ValueKeywords): string | undefined => {
  const k = keywords;
  if (typeof value === 'string') {
    const length = Array.from(value).length;
    if (k.minLength !== undefined && length < k.minLength) return `shorter than minLength ${k.minLength}`;
    if (k.maxLength !== undefined && length > k.maxLength) return `longer than maxLength ${k.maxLength}`;
    if (k.pattern !== undefined && !new RegExp(k.pattern, 'u').test(value)) return `does not match the pattern ${k.pattern}`;
    if (k.format !== undefined && !formatCheck[k.format](value)) return `is not a valid ${k.format}`;
  } else if (typeof value === 'number') {
    if (k.minimum !== undefined) {
      if (k.exclusiveMinimum === true ? value <= k.minimum : value < k.minimum) {
        return k.exclusiveMinimum === true ? `not above the exclusive minimum ${k.minimum}` : `below the minimum ${k.minimum}`;
      }
    }
    if (k.maximum !== undefined) {
      if (k.exclusiveMaximum === true ? value >= k.maximum : value > k.maximum) {
        return k.exclusiveMaximum === true ? `not below the exclusive maximum ${k.maximum}` : `above the maximum ${k.maximum}`;
      }
    }
    if (k.multipleOf !== undefined && !Number.isInteger(value / k.multipleOf)) return `not a multiple of ${k.multipleOf}`;
  } else if (Array.isArray(value)) {
    if (k.minItems !== undefined && value.length < k.minItems) return `fewer than minItems ${k.minItems}`;
    if (k.maxItems !== undefined && value.length > k.maxItems) return `more than maxItems ${k.maxItems}`;
  } else if (isRecord(value)) {
    const count = Object.keys(value).length;
    if (k.minProperties !== undefined && count < k.minProperties) return `fewer than minProperties ${k.minProperties}`;
    if (k.maxProperties !== undefined && count > k.maxProperties) return `more than maxProperties ${k.maxProperties}`;
  }
  return undefined;
};
