export { type Clock, fixedClock, systemClock } from './clock.ts';
export {
  acceptedDates,
  type DateRange,
  EARLIEST_DATE,
  inDateRange,
  todayUtc,
  YEARS_AHEAD,
} from './date-range.ts';
export {
  type ErrorCode,
  GovbridgeError,
  type GovbridgeErrorOptions,
  isGovbridgeError,
  publicView,
} from './errors.ts';
export {
  CLIENT_ID_PATTERN,
  IDENTIFIER_PATTERN,
  isClientId,
  isIdentifier,
  mintClientId,
  randomId,
  sha256b64u,
  uuid,
} from './ids.ts';
export { readTextLimited, UPSTREAM_MAX_BODY_BYTES } from './read-limited.ts';
export { err, ok, type Result } from './result.ts';
export { keyFromBase64url, seal, unseal } from './seal.ts';
export { redactUpstreamText } from './upstream-text.ts';
