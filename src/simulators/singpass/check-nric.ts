/**
 * The NRIC/FIN check digit (S, T, F and G series): weights 2,7,6,5,4,3,2 over the seven digits,
 * plus 4 for the T and G series, modulo 11, mapped through the series' letter table. The simulator
 * only uses it to prove its personas are well formed.
 */
const WEIGHTS = [2, 7, 6, 5, 4, 3, 2] as const;
const CITIZEN_LETTERS = 'JZIHGFEDCBA';
const FOREIGNER_LETTERS = 'XWUTRQPNMLK';

export function isValidNricOrFin(id: string): boolean {
  const match = /^([STFG])(\d{7})([A-Z])$/.exec(id);
  if (match === null) return false;
  const [, series, digits, check] = match as unknown as [string, string, string, string];
  let sum = series === 'T' || series === 'G' ? 4 : 0;
  for (let i = 0; i < 7; i++) sum += Number(digits[i]) * WEIGHTS[i]!;
  const letters = series === 'S' || series === 'T' ? CITIZEN_LETTERS : FOREIGNER_LETTERS;
  return letters[sum % 11] === check;
}
