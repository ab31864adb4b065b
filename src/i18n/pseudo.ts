/**
 * Pseudo-localisation: English with accented letters and about 40% more characters, in brackets,
 * so a page can be checked for text that would overflow or be clipped in a longer language, and
 * for text that bypassed the catalogues (it stays plain).
 */
const ACCENTED: Record<string, string> = {
  a: 'á',
  e: 'é',
  i: 'í',
  o: 'ó',
  u: 'ú',
  c: 'ç',
  n: 'ñ',
  y: 'ý',
  A: 'Å',
  E: 'É',
  I: 'Í',
  O: 'Ó',
  U: 'Ú',
  C: 'Ç',
  N: 'Ñ',
  Y: 'Ý',
};

export function pseudoLocalise(text: string): string {
  if (text.trim() === '') return text;
  const accented = [...text].map((c) => ACCENTED[c] ?? c).join('');
  // Pad each word by ~40% so the extra length is spread where lines break, not only at the end.
  const padded = accented.replace(/\p{L}+/gu, (word) => word + '~'.repeat(Math.ceil(word.length * 0.4)));
  return `[${padded}]`;
}
