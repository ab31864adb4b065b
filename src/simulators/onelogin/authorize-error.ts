/**
 * An error at /authorize. Before the client and its redirect URI are trusted the browser gets an
 * HTTP 400 page; afterwards the error goes back to the redirect URI as `error`, `error_description`
 * and `state` ("Authenticate your user", "Error handling for 'Make a request to the /authorize
 * endpoint'": HTTP 400 Bad Request vs HTTP 302 Found).
 */
export class AuthorizeError extends Error {
  readonly error: string;
  readonly redirectUri: string | undefined;
  readonly state: string | undefined;

  constructor(
    error: string,
    description: string,
    redirect?: { redirectUri: string; state?: string | undefined },
  ) {
    super(description);
    this.name = 'AuthorizeError';
    this.error = error;
    this.redirectUri = redirect?.redirectUri;
    this.state = redirect?.state;
  }
}

export function errorRedirect(
  redirectUri: string,
  error: string,
  description: string,
  state?: string,
): string {
  const url = new URL(redirectUri);
  url.searchParams.set('error', error);
  url.searchParams.set('error_description', description);
  if (state !== undefined) url.searchParams.set('state', state);
  return url.toString();
}
