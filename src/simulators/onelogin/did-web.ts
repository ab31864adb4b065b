/**
 * The did:web identifier for an HTTPS location (w3c-ccg did-method-web, "Create (Register)"): the
 * host, with a port's colon percent-encoded as `%3A`, then each path segment joined by `:`.
 * `https://identity.integration.account.gov.uk/` → `did:web:identity.integration.account.gov.uk`,
 * `http://127.0.0.1:3000/simulators/onelogin/identity/` →
 * `did:web:127.0.0.1%3A3000:simulators:onelogin:identity`.
 */
export function didWebFor(url: string): string {
  const u = new URL(url);
  const host = encodeURIComponent(u.host);
  const segments = u.pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => encodeURIComponent(s));
  return ['did:web', host, ...segments].join(':');
}
