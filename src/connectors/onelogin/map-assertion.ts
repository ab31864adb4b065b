import type { OneLoginAssertion } from '../../trust/index.ts';
import type { Userinfo } from './fetch-userinfo.ts';
import {
  addressSchema,
  drivingPermitSchema,
  parseWith,
  passportSchema,
  returnCodeSchema,
} from './schemas.ts';
import type { CoreIdentity } from './verify-core-identity.ts';
import type { VerifiedIdToken } from './verify-id-token.ts';

const VOCAB = 'https://vocab.account.gov.uk/v1/';

/**
 * The verified answer in One Login's own vocabulary: nothing mapped, nothing invented. Identity
 * claims other than the core identity are taken as sent (shape-checked); `coreIdentity` only when
 * it was verified.
 */
export function mapAssertion(
  idToken: VerifiedIdToken,
  userinfo: Userinfo,
  coreIdentity: CoreIdentity | undefined,
): OneLoginAssertion {
  const optional = <T>(name: string, parse: (value: unknown) => T): T | undefined => {
    const value = userinfo[`${VOCAB}${name}`];
    return value === undefined ? undefined : parse(value);
  };
  return {
    scheme: 'onelogin',
    subject: idToken.sub,
    vot: idToken.vot,
    vtm: idToken.vtm,
    authTime: idToken.authTime,
    email: userinfo.email,
    emailVerified: userinfo.email_verified,
    phoneNumber: userinfo.phone_number,
    phoneNumberVerified: userinfo.phone_number_verified,
    coreIdentity,
    address: optional('address', (v) => parseWith(addressSchema, v, 'address', 'The address claim')),
    passport: optional('passport', (v) => parseWith(passportSchema, v, 'passport', 'The passport claim')),
    drivingPermit: optional('drivingPermit', (v) =>
      parseWith(drivingPermitSchema, v, 'driving_permit', 'The drivingPermit claim'),
    ),
    returnCode: optional('returnCode', (v) =>
      parseWith(returnCodeSchema, v, 'return_code', 'The returnCode claim'),
    ),
  };
}
