import { z } from 'zod';
import { invalidResponse } from './connector-error.ts';

/** Shapes of what One Login sends, checked at the boundary (ARCHITECTURE.md: schemas at every boundary). */

export const discoverySchema = z.object({
  issuer: z.string(),
  authorization_endpoint: z.string(),
  token_endpoint: z.string(),
  userinfo_endpoint: z.string(),
  jwks_uri: z.string(),
  end_session_endpoint: z.string().optional(),
});
export type Discovery = z.infer<typeof discoverySchema>;

const jwkSchema = z
  .object({
    kty: z.string(),
    kid: z.string().optional(),
    alg: z.string().optional(),
    use: z.string().optional(),
  })
  .catchall(z.unknown());
export const jwksSchema = z.object({ keys: z.array(jwkSchema) });
export type Jwks = z.infer<typeof jwksSchema>;

/** "Prove your user's identity", "Validate the core identity claim JWT using a public key". */
export const didDocumentSchema = z.object({
  id: z.string(),
  controller: z.union([z.string(), z.array(z.string())]).optional(),
  assertionMethod: z.array(
    z.object({
      id: z.string(),
      type: z.string().optional(),
      controller: z.string().optional(),
      publicKeyJwk: z
        .object({
          kty: z.string(),
          crv: z.string().optional(),
          x: z.string().optional(),
          y: z.string().optional(),
        })
        .catchall(z.unknown()),
    }),
  ),
});
export type DidDocument = z.infer<typeof didDocumentSchema>;

/** "Receive response for 'Make a token request'". */
export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().refine((t) => t.toLowerCase() === 'bearer'),
  expires_in: z.number().optional(),
  id_token: z.string().min(1),
});

const namePartSchema = z.object({ value: z.string(), type: z.enum(['GivenName', 'FamilyName']) });
const nameSchema = z.object({
  nameParts: z.array(namePartSchema),
  validFrom: z.string().optional(),
  validUntil: z.string().optional(),
});
/** The `vc` of the core identity JWT ("Understand your user's core identity claim"). */
export const coreIdentityVcSchema = z.object({
  type: z.array(z.string()).optional(),
  credentialSubject: z.object({
    name: z.array(nameSchema),
    birthDate: z.array(z.object({ value: z.string() })),
  }),
});

export const addressSchema = z.array(
  z.object({
    uprn: z.union([z.string(), z.number()]).optional(),
    subBuildingName: z.string().optional(),
    buildingName: z.string().optional(),
    buildingNumber: z.string().optional(),
    dependentStreetName: z.string().optional(),
    streetName: z.string().optional(),
    doubleDependentAddressLocality: z.string().optional(),
    dependentAddressLocality: z.string().optional(),
    addressLocality: z.string().optional(),
    postalCode: z.string().optional(),
    addressCountry: z.string().optional(),
    validFrom: z.string().optional(),
    validUntil: z.string().optional(),
  }),
);
export const passportSchema = z.array(
  z.object({ documentNumber: z.string(), icaoIssuerCode: z.string(), expiryDate: z.string() }),
);
export const drivingPermitSchema = z.array(z.record(z.string(), z.unknown()));
export const returnCodeSchema = z.array(z.object({ code: z.string() }));

export const userinfoSchema = z
  .object({
    sub: z.string(),
    email: z.string().optional(),
    email_verified: z.boolean().optional(),
    phone_number: z.string().optional(),
    phone_number_verified: z.boolean().optional(),
  })
  .catchall(z.unknown());

/** Parses or raises `upstream_invalid_response` naming the check; zod issues name paths, not values. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, check: string, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const paths = result.error.issues.map((i) => i.path.join('.') || '(root)').slice(0, 5);
    throw invalidResponse(check, `${what} does not have the documented shape (fields: ${paths.join(', ')})`);
  }
  return result.data;
}
