import { sha256b64u } from '../../kernel/index.ts';

/**
 * A pairwise subject in GOV.UK One Login's form `urn:fdc:gov.uk:2022:<43 base64url characters>`
 * ("Understand your ID token"): stable for one person and one client, different across clients
 * (the sector identifier here is the client id).
 */
export function pairwiseSub(clientId: string, personaId: string): string {
  return `urn:fdc:gov.uk:2022:${sha256b64u(`govbridge-simulator|${clientId}|${personaId}`)}`;
}

/** `walletSubjectId` ("Retrieve user information"): `urn:fdc:wallet.account.gov.uk:2024:<base64url>`. */
export function walletSubjectId(clientId: string, personaId: string): string {
  return `urn:fdc:wallet.account.gov.uk:2024:${sha256b64u(`govbridge-wallet|${clientId}|${personaId}`)}`;
}
