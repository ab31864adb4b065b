import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEnvironments, loadTrustFramework } from '../trust/index.ts';

/** Shared by the policy tests (imported only by `*.test.ts`): the real files of the repository. */
export const POLICIES_DIR = fileURLToPath(new URL('../../policies/', import.meta.url));
export const TRUST_FRAMEWORK_FILE = fileURLToPath(
  new URL('../../trust/trust-framework.yaml', import.meta.url),
);
export const ENVIRONMENTS_FILE = fileURLToPath(new URL('../../trust/environments.yaml', import.meta.url));

export const realTrust = () => loadTrustFramework(TRUST_FRAMEWORK_FILE);
export const realEnvironments = () => loadEnvironments(ENVIRONMENTS_FILE);

/** A copy of the real policy directory to break one file of. */
export function copyOfPolicies(): string {
  const dir = mkdtempSync(join(tmpdir(), 'govbridge-policies-'));
  cpSync(POLICIES_DIR, dir, { recursive: true });
  return dir;
}
