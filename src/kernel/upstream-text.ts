/**
 * An upstream's own error text (an OAuth `error_description`, a problem's `detail`), made safe for a
 * log line: printable ASCII only, at most 200 characters, and anything shaped like personal data or a
 * credential masked — JWTs, e-mail addresses, NRIC/FIN numbers, runs of six or more digits (phone
 * numbers, NINOs' digits, dates written without separators). Upstreams sometimes echo what they were
 * sent; this keeps what helps an operator ("invalid login_hint", "client not registered") and drops
 * what would identify a person.
 */
export function redactUpstreamText(text: unknown): string | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  return text
    .slice(0, 1000)
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, '[jwt]')
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, '[email]')
    .replace(/\b[STFGM]\d{7}[A-Z]\b/gi, '[id]')
    .replace(/\b[A-CEGHJ-PR-TW-Z]{2}\d{6}[A-D]\b/gi, '[id]')
    .replace(/\d{6,}/g, '[number]')
    .slice(0, 200);
}
