import { invalidResponse } from './connector-error.ts';
import { oauthError } from './exchange-code.ts';
import { requestJson } from './http-client.ts';
import type { ConnectorRuntime } from './runtime.ts';
import { parseWith, userinfoSchema } from './schemas.ts';

export type Userinfo = ReturnType<typeof userinfoSchema.parse>;

/**
 * "Retrieve user information": GET with the access token as a Bearer token. The response's `sub`
 * must equal the ID token's (OIDC Core §5.3.2: otherwise it must not be used).
 */
export async function fetchUserinfo(
  rt: ConnectorRuntime,
  accessToken: string,
  sub: string,
): Promise<Userinfo> {
  const discovery = await rt.discovery();
  const res = await requestJson(rt.http, 'userinfo', discovery.userinfo_endpoint, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  if (res.status !== 200) {
    throw invalidResponse(
      'userinfo',
      `the userinfo request was refused (HTTP ${res.status}, error ${oauthError(res.body)})`,
      {
        status: res.status,
      },
    );
  }
  const info = parseWith(userinfoSchema, res.body, 'userinfo', 'The userinfo response');
  if (info.sub !== sub) throw invalidResponse('userinfo_sub', 'the userinfo sub is not the ID token sub');
  return info;
}
