/**
 * What the hub passes to GOV.UK One Login as `ui_locales`. One Login's "Authenticate your user"
 * (docs.sign-in.service.gov.uk, request parameters): "In the `ui_locales` parameter, you can choose
 * either `en` (English) or `cy` (Welsh) … GOV.UK One Login does not support any other languages."
 *
 * So from the relying party's list (space-separated BCP 47 tags by preference, OIDC Core §3.1.2.1)
 * only English and Welsh pass, each as its bare code (`cy-GB` → `cy`), in the relying party's order,
 * once each. Nothing is sent when none is left (One Login then shows English, its default).
 */
const ONE_LOGIN_UI_LOCALES = new Set(['en', 'cy']);

export function oneLoginUiLocales(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const kept: string[] = [];
  for (const tag of value.split(' ')) {
    const primary = tag.trim().toLowerCase().split('-')[0] ?? '';
    if (ONE_LOGIN_UI_LOCALES.has(primary) && !kept.includes(primary)) kept.push(primary);
  }
  return kept.length > 0 ? kept.join(' ') : undefined;
}
