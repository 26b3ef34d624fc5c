/**
 * Transport security helpers of the one HTTP path (`kubeRequest.ts`): the credentials a request
 * carries (to redact them from every message), hints for TLS failures, and the loud, one-time
 * warning when the kubeconfig turns TLS verification off.
 *
 * @module
 */
import type { RequestOptions } from 'node:https';

/**
 * The code of the `process` warning kube-rx emits (once per process and API server) when a
 * kubeconfig turns TLS verification off (`insecure-skip-tls-verify: true`) or talks plain `http:`.
 * Listen with `process.on('warning', ...)` and compare `warning.code`; its `name` is
 * `'SecurityWarning'`.
 *
 * Maps to the warning kubectl prints for `insecure-skip-tls-verify` (client-go itself only logs).
 *
 * @example
 * ```ts
 * import { INSECURE_TLS_WARNING } from 'kube-rx';
 * process.on('warning', (w) => {
 *   if ((w as Error & { code?: string }).code === INSECURE_TLS_WARNING) console.error(`SECURITY: ${w.message}`);
 * });
 * ```
 * @category listwatch
 * @since 0.2.0
 */
export const INSECURE_TLS_WARNING = 'KUBE_RX_INSECURE_TLS';

/** Replaces every credential a request carries by `[REDACTED]` in a text. */
export type Redact = (text: string) => string;

const REDACTED = '[REDACTED]';
/** Shorter strings are not treated as secrets: redacting them would mangle every message. */
const MIN_SECRET_LENGTH = 4;
/** Base64 runs of a PEM shorter than this are not worth redacting on their own. */
const MIN_PEM_LINE = 16;

const textsOf = (value: unknown): string[] => {
  if (typeof value === 'string') return [value];
  if (Buffer.isBuffer(value)) return [value.toString('utf8'), value.toString('base64')];
  if (value instanceof Uint8Array) return textsOf(Buffer.from(value));
  if (Array.isArray(value)) return value.flatMap(textsOf);
  if (typeof value === 'object' && value !== null) {
    const o = value as { readonly pem?: unknown; readonly buf?: unknown; readonly passphrase?: unknown };
    return [...textsOf(o.pem), ...textsOf(o.buf), ...textsOf(o.passphrase)];
  }
  return [];
};

/** A PEM (key or certificate): the whole text, its base64 body, and each base64 line of it. */
const pemParts = (text: string): string[] => {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('-----'));
  return [text.trim(), lines.join(''), ...lines.filter((l) => l.length >= MIN_PEM_LINE)];
};

const headerValues = (headers: RequestOptions['headers']): string[] => {
  if (headers === undefined || Array.isArray(headers)) return [];
  const out: string[] = [];
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    const lower = name.toLowerCase();
    if (lower !== 'authorization' && lower !== 'proxy-authorization') continue;
    for (const v of Array.isArray(value) ? (value as unknown[]) : [value]) {
      if (typeof v !== 'string') continue;
      // `Bearer <token>`, `Basic <base64>`: the credential (so messages keep the scheme), and a basic one decoded
      const space = v.indexOf(' ');
      const credential = space < 0 ? v : v.slice(space + 1).trim();
      out.push(credential);
      if (/^basic$/i.test(v.slice(0, space))) {
        const decoded = Buffer.from(credential, 'base64').toString('utf8');
        out.push(decoded, decoded.slice(decoded.indexOf(':') + 1));
      }
    }
  }
  return out;
};

/**
 * Every credential in request options as client-node's `applyToHTTPSOptions` fills them: the
 * `Authorization` (bearer token from the kubeconfig, an exec plugin or OIDC) and
 * `Proxy-Authorization` headers, basic auth (`auth`, and the password alone), the client key and
 * certificate (as PEM text, base64 and each base64 line), a PFX bundle and its passphrase.
 * Reads the options as they are, so it also works on options a failed call filled partly.
 */
export const secretsOf = (options: RequestOptions): ReadonlyArray<string> => {
  const auth = typeof options.auth === 'string' ? options.auth : undefined;
  const all = [
    ...headerValues(options.headers),
    ...(auth === undefined ? [] : [auth, auth.slice(auth.indexOf(':') + 1), Buffer.from(auth).toString('base64')]),
    ...[options.key, options.cert, options.pfx].flatMap(textsOf).flatMap((t) => (t.includes('-----BEGIN') ? pemParts(t) : [t])),
    ...textsOf(options.passphrase),
  ];
  // longest first, so that a token is replaced whole before any shorter secret inside it
  return [...new Set(all.filter((s) => s.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
};

/** A {@link Redact} for these secrets (the identity when there are none). */
export const redactor = (secrets: ReadonlyArray<string>): Redact =>
  secrets.length === 0 ? (text) => text : (text) => secrets.reduce((acc, s) => (acc.includes(s) ? acc.split(s).join(REDACTED) : acc), text);

/** `body` with every secret replaced, as a new Buffer only when one occurs in it. */
export const redactBody = (body: Buffer, secrets: ReadonlyArray<string>): Buffer =>
  secrets.some((s) => body.includes(s)) ? Buffer.from(redactor(secrets)(body.toString('utf8')), 'utf8') : body;

const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
]);

/**
 * What to do about a TLS or credential-material failure, by its Node/OpenSSL code; `undefined`
 * for any other code. Names the kubeconfig field to fix; never quotes key material.
 */
export const tlsHint = (code: string | undefined): string | undefined => {
  if (code === undefined) return undefined;
  if (UNTRUSTED.has(code)) {
    return (
      "the server's certificate is not signed by a CA the kubeconfig trusts: put the cluster's CA in the kubeconfig " +
      '(certificate-authority or certificate-authority-data); insecure-skip-tls-verify: true turns verification off (test clusters only)'
    );
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return "the server's certificate does not name this host: use a server URL with a name the certificate lists, or set tls-server-name in the kubeconfig";
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return "the server's certificate is outside its validity period: check this machine's clock, or renew the certificate";
  }
  if (code === 'EPROTO' || code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    return 'the TLS handshake failed: check that the server URL (https:) points at a TLS endpoint';
  }
  if (code.startsWith('ERR_OSSL_')) {
    return 'the client certificate or key of the kubeconfig could not be used (client-certificate(-data), client-key(-data)): check that they are PEM and belong together';
  }
  return undefined;
};

const warned = new Set<string>();

/**
 * Emits the {@link INSECURE_TLS_WARNING} process warning, once per process and server origin,
 * when a request goes out without TLS verification: plain `http:`, or `https:` with
 * `skipVerify` (`rejectUnauthorized: false`, what `insecure-skip-tls-verify: true` sets).
 */
export const warnIfInsecure = (url: URL, skipVerify: boolean): void => {
  const plain = url.protocol === 'http:';
  if (!plain && !skipVerify) return;
  if (warned.has(url.origin)) return;
  warned.add(url.origin);
  const message = plain
    ? `kube-rx talks plain HTTP to ${url.origin} (the kubeconfig allows it with insecure-skip-tls-verify): ` +
      'no TLS at all, so credentials and objects cross the network in clear text. Use an https: server URL and its CA.'
    : `TLS certificate verification is OFF for ${url.origin} (the kubeconfig sets insecure-skip-tls-verify: true): ` +
      'anyone on the network path can impersonate the API server and read the credentials sent to it. ' +
      "Put the cluster's CA in the kubeconfig (certificate-authority-data) instead.";
  process.emitWarning(message, { type: 'SecurityWarning', code: INSECURE_TLS_WARNING });
};
