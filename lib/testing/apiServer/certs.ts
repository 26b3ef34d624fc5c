/**
 * TLS material of the embedded API server, generated once with OpenSSL 3.0 and embedded as PEM
 * text so that tests never shell out. It is for loopback tests only: the private key is public.
 *
 * How it was made (2026, OpenSSL 3.0.19; both keys are ECDSA P-256; both certificates are valid
 * for 7300 days, i.e. 20 years):
 *
 * ```sh
 * openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
 *   -keyout ca.key -out ca.crt -days 7300 -subj "/CN=kube-rx embedded test CA" \
 *   -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
 * openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
 *   -keyout server.key -out server.csr -subj "/CN=kube-rx embedded apiserver"
 * printf "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n\
 * extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n" > ext.cnf
 * openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
 *   -out server.crt -days 7300 -sha256 -extfile ext.cnf
 * openssl verify -CAfile ca.crt server.crt
 * ```
 *
 * The CA key was discarded: nothing else can be signed by this CA.
 *
 * @module
 */

/**
 * The PEM certificate of the self-signed test CA that signed {@link TEST_SERVER_CERT_PEM}. Put it
 * in a kubeconfig's `certificate-authority-data` (base64) or a Node `ca` option to verify the
 * embedded API server.
 *
 * Maps to the cluster CA (`/etc/kubernetes/pki/ca.crt`) of a real cluster.
 *
 * @example
 * ```ts
 * import https from 'node:https';
 * import { TEST_CA_PEM } from 'kube-rx/testing';
 * const agent = new https.Agent({ ca: TEST_CA_PEM });
 * ```
 * @category testing
 * @since 0.1.0
 */
export const TEST_CA_PEM = `-----BEGIN CERTIFICATE-----
MIIBqjCCAVGgAwIBAgIUZwDtXwW/yB6y4oiefyno6X2ndQMwCgYIKoZIzj0EAwIw
IzEhMB8GA1UEAwwYa3ViZS1yeCBlbWJlZGRlZCB0ZXN0IENBMB4XDTI2MTEyMjAz
MTIxOFoXDTQ2MTExNzAzMTIxOFowIzEhMB8GA1UEAwwYa3ViZS1yeCBlbWJlZGRl
ZCB0ZXN0IENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAELpmL3WECDK684Iws
EUrHNJpORXosPCJgNz5DkA2Ux4Ara1YROsz7wZXwJBlWlUoFp9NUjI5dZurRg25O
KS5c4aNjMGEwHQYDVR0OBBYEFIK9kOIjve01sppkFmur3XzVt3NyMB8GA1UdIwQY
MBaAFIK9kOIjve01sppkFmur3XzVt3NyMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0P
AQH/BAQDAgEGMAoGCCqGSM49BAMCA0cAMEQCIDXdK9xPEuFZoo47DzlEYRuybeKd
8m5OwkTVI1l61b15AiAOx+D/jgYtg/Qh6+C1oMdgWDLhOIWvDZw9Zufw/hOeOQ==
-----END CERTIFICATE-----
`;

/**
 * The PEM server certificate of the embedded API server: subject alternative names
 * `IP:127.0.0.1`, `IP:::1` and `DNS:localhost`, extended key usage `serverAuth`, signed by
 * {@link TEST_CA_PEM}, valid until November 2046.
 *
 * Maps to kube-apiserver's serving certificate (`--tls-cert-file`).
 *
 * @example
 * ```ts
 * import { TEST_SERVER_CERT_PEM, TEST_SERVER_KEY_PEM } from 'kube-rx/testing';
 * const options = { cert: TEST_SERVER_CERT_PEM, key: TEST_SERVER_KEY_PEM };
 * ```
 * @category testing
 * @since 0.1.0
 */
export const TEST_SERVER_CERT_PEM = `-----BEGIN CERTIFICATE-----
MIIB7zCCAZWgAwIBAgIULB0rYBBE0mpL2bZVRJEgldz3TzEwCgYIKoZIzj0EAwIw
IzEhMB8GA1UEAwwYa3ViZS1yeCBlbWJlZGRlZCB0ZXN0IENBMB4XDTI2MTEyMjAz
MTIxOFoXDTQ2MTExNzAzMTIxOFowJTEjMCEGA1UEAwwaa3ViZS1yeCBlbWJlZGRl
ZCBhcGlzZXJ2ZXIwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATk3RWbvNFoOyxm
typRyTZCH+lAyQxfr9/38gmNtjVVrFX6nBnMX71kWOanmu/JWZwHzY7IIEyr0yQc
5syeXNleo4GkMIGhMAwGA1UdEwEB/wQCMAAwDgYDVR0PAQH/BAQDAgWgMBMGA1Ud
JQQMMAoGCCsGAQUFBwMBMCwGA1UdEQQlMCOHBH8AAAGHEAAAAAAAAAAAAAAAAAAA
AAGCCWxvY2FsaG9zdDAdBgNVHQ4EFgQUpcdMHfg0OOWhxci1g7HJl3eR5VIwHwYD
VR0jBBgwFoAUgr2Q4iO97TWymmQWa6vdfNW3c3IwCgYIKoZIzj0EAwIDSAAwRQIh
AP7xQ0LoA/TaRiY0hxexr5AHvoG4lpHz+9eq773GherHAiAhxxaNbjPqNAuGPCI6
pmWQI+hoirE9ThkxIUv6ywBQXg==
-----END CERTIFICATE-----
`;

/**
 * The PEM (PKCS#8, P-256) private key of {@link TEST_SERVER_CERT_PEM}. Public on purpose: only
 * for loopback tests.
 *
 * Maps to kube-apiserver's `--tls-private-key-file`.
 *
 * @example
 * ```ts
 * import { TEST_SERVER_CERT_PEM, TEST_SERVER_KEY_PEM } from 'kube-rx/testing';
 * const options = { cert: TEST_SERVER_CERT_PEM, key: TEST_SERVER_KEY_PEM };
 * ```
 * @category testing
 * @since 0.1.0
 */
export const TEST_SERVER_KEY_PEM = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgbcImozMmY784iH8Z
wygwhSiJFXiRLedxJyaHqqkaha+hRANCAATk3RWbvNFoOyxmtypRyTZCH+lAyQxf
r9/38gmNtjVVrFX6nBnMX71kWOanmu/JWZwHzY7IIEyr0yQc5syeXNle
-----END PRIVATE KEY-----
`;
