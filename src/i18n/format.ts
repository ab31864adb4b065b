import { INTL_LOCALE, type RenderLocale } from './locales.ts';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * A calendar date (`YYYY-MM-DD`) in words for `locale`: "22 August 1979", "22 Awst 1979". Anything
 * that is not a valid calendar date is returned as it is (a claim value is shown, never dropped).
 */
export function formatDate(value: string, locale: RenderLocale): string {
  const m = ISO_DATE.exec(value);
  if (!m) return value;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) return value;
  return new Intl.DateTimeFormat(INTL_LOCALE[locale], {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(date);
}

/** A country's name (ISO 3166-1 alpha-2) in `locale`, from Intl; the code itself when unknown. */
export function countryName(code: string, locale: RenderLocale): string {
  if (!/^[A-Z]{2}$/.test(code)) return code;
  try {
    return (
      new Intl.DisplayNames([INTL_LOCALE[locale]], { type: 'region', fallback: 'code' }).of(code) ?? code
    );
  } catch {
    return code;
  }
}
