/**
 * Fictional people for the simulator. Every NRIC/FIN follows the published check-digit rule but
 * uses the tell-tale body `12345`; names and units are invented. Attributes follow the Myinfo data
 * model (https://docs.developer.singpass.gov.sg/docs/data-catalog-myinfo/catalog/personal):
 * `{value | code+desc, source, classification, lastupdated}`, `regadd` typed `SG` or `UNFORMATTED`.
 */
export type Loa = 1 | 2 | 3;

export interface Persona {
  readonly id: string;
  /** Shown on the chooser page; describes the test case, not the person. */
  readonly summary: string;
  readonly uuid: string;
  /**
   * `standard`: holds an NRIC or FIN. `foreign`: a Singpass Foreign user Account (no NRIC/FIN),
   * identified by a foreign document (`fid`) and its country of issue (`coi`).
   */
  readonly accountType: 'standard' | 'foreign';
  /** NRIC/FIN, or the Singpass foreign account id (legacy `s=`). */
  readonly uinfin: string;
  /** Foreign document number (legacy `fid=`; FAPI `identity_number` of a foreign account). */
  readonly foreignId?: string | undefined;
  /** Country of issue of the identity (`identity_coi`, legacy `coi=`). */
  readonly identityCoi: string;
  /** The highest level this person can reach (e.g. 1 = no second factor set up). */
  readonly maxLoa: Loa;
  readonly amrByLoa: Readonly<Partial<Record<Loa, readonly string[]>>>;
  readonly myinfo: Readonly<Record<string, Record<string, unknown>>>;
}

const LAST_UPDATED = '2025-11-03';
const gov = (extra: Record<string, unknown>): Record<string, unknown> => ({
  ...extra,
  source: '1',
  classification: 'C',
  lastupdated: LAST_UPDATED,
});
const own = (extra: Record<string, unknown>): Record<string, unknown> => ({
  ...extra,
  source: '4',
  classification: 'C',
  lastupdated: LAST_UPDATED,
});
const value = (v: string): Record<string, unknown> => gov({ value: v });
const coded = (code: string, desc: string): Record<string, unknown> => gov({ code, desc });
const sgMobile = (nbr: string): Record<string, unknown> =>
  own({ prefix: { value: '+' }, areacode: { value: '65' }, nbr: { value: nbr } });
const sgAddress = (a: {
  block: string;
  building?: string;
  floor: string;
  unit: string;
  street: string;
  postal: string;
}): Record<string, unknown> =>
  gov({
    type: 'SG',
    country: { code: 'SG', desc: 'SINGAPORE' },
    block: { value: a.block },
    building: { value: a.building ?? '' },
    floor: { value: a.floor },
    unit: { value: a.unit },
    street: { value: a.street },
    postal: { value: a.postal },
  });

const CITIZEN = { nationality: coded('SG', 'SINGAPORE CITIZEN'), residentialstatus: coded('C', 'CITIZEN') };
const TWO_FACTOR = { 1: ['pwd'], 2: ['pwd', 'sms'], 3: ['face'] } as const;

export const personas: readonly Persona[] = [
  {
    id: 'sg-citizen-young',
    summary: 'Singapore citizen born 2001, Singpass app user (loa:1–3)',
    uuid: '7b1c0a52-2f4e-4a8e-9d61-3c5a9e1f0a01',
    accountType: 'standard',
    uinfin: 'T0112345E',
    identityCoi: 'SG',
    maxLoa: 3,
    amrByLoa: { 1: ['pwd'], 2: ['pwd', 'swk'], 3: ['fv'] },
    myinfo: {
      uinfin: value('T0112345E'),
      name: value('NG JIA HUI PEARL'),
      sex: coded('F', 'FEMALE'),
      dob: value('2001-03-14'),
      ...CITIZEN,
      regadd: sgAddress({
        block: '287C',
        floor: '09',
        unit: '118',
        street: 'COMPASSVALE CRESCENT',
        postal: '543287',
      }),
      mobileno: sgMobile('81234501'),
      email: own({ value: 'pearl.ng.test@example.com' }),
    },
  },
  {
    id: 'sg-citizen-mid',
    summary: 'Singapore citizen born 1979, SMS second factor (loa:1–3)',
    uuid: '7b1c0a52-2f4e-4a8e-9d61-3c5a9e1f0a02',
    accountType: 'standard',
    uinfin: 'S7912345E',
    identityCoi: 'SG',
    maxLoa: 3,
    amrByLoa: TWO_FACTOR,
    myinfo: {
      uinfin: value('S7912345E'),
      name: value('TEO KAI MING DANIEL'),
      sex: coded('M', 'MALE'),
      dob: value('1979-08-22'),
      ...CITIZEN,
      regadd: sgAddress({
        block: '41',
        building: 'THE QUILLWOOD',
        floor: '12',
        unit: '04',
        street: 'JALAN KEMBANG MELATI',
        postal: '458041',
      }),
      mobileno: sgMobile('91234502'),
      email: own({ value: 'daniel.teo.test@example.com' }),
    },
  },
  {
    id: 'sg-citizen-senior',
    summary: 'Singapore citizen born 1952, password and SMS (loa:1–2)',
    uuid: '7b1c0a52-2f4e-4a8e-9d61-3c5a9e1f0a03',
    accountType: 'standard',
    uinfin: 'S1512345A',
    identityCoi: 'SG',
    maxLoa: 2,
    amrByLoa: { 1: ['pwd'], 2: ['pwd', 'sms'] },
    myinfo: {
      uinfin: value('S1512345A'),
      name: value('SELVARAJAH S/O ARUMUGAM PILLAY'),
      sex: coded('M', 'MALE'),
      dob: value('1952-11-30'),
      ...CITIZEN,
      regadd: sgAddress({
        block: '512',
        floor: '03',
        unit: '221',
        street: 'BEDOK NORTH AVENUE 9',
        postal: '460512',
      }),
      mobileno: sgMobile('91234503'),
    },
  },
  {
    id: 'sg-pr',
    summary: 'Permanent resident, Malaysian national, born 1987 (loa:1–3)',
    uuid: '7b1c0a52-2f4e-4a8e-9d61-3c5a9e1f0a04',
    accountType: 'standard',
    uinfin: 'S3012345Z',
    identityCoi: 'SG',
    maxLoa: 3,
    amrByLoa: TWO_FACTOR,
    myinfo: {
      uinfin: value('S3012345Z'),
      name: value('NUR QISTINA BINTE KAMARULZAMAN'),
      sex: coded('F', 'FEMALE'),
      dob: value('1987-05-09'),
      nationality: coded('MY', 'MALAYSIAN'),
      residentialstatus: coded('P', 'PR'),
      regadd: sgAddress({
        block: '19',
        floor: '15',
        unit: '07',
        street: 'WOODLANDS DRIVE 88',
        postal: '730019',
      }),
      mobileno: sgMobile('81234504'),
      email: own({ value: 'qistina.test@example.com' }),
    },
  },
  {
    id: 'gb-fin-worker',
    summary: 'British national working in Singapore, FIN holder, born 1985 (loa:1–2)',
    uuid: '7b1c0a52-2f4e-4a8e-9d61-3c5a9e1f0a05',
    accountType: 'standard',
    uinfin: 'G8512345P',
    identityCoi: 'SG',
    maxLoa: 2,
    amrByLoa: { 1: ['pwd'], 2: ['pwd', 'swk'] },
    myinfo: {
      uinfin: value('G8512345P'),
      name: value('HUGO ALASDAIR WREXFORD-LANE'),
      sex: coded('M', 'MALE'),
      dob: value('1985-01-17'),
      nationality: coded('GB', 'BRITISH'),
      residentialstatus: coded('A', 'ALIEN'),
      regadd: sgAddress({
        block: '8',
        building: 'MARINA QUILL RESIDENCES',
        floor: '27',
        unit: '03',
        street: 'BAYFRONT LINK',
        postal: '018951',
      }),
      mobileno: sgMobile('91234505'),
      email: own({ value: 'hugo.wl.test@example.co.uk' }),
    },
  },
  {
    id: 'sg-citizen-london',
    summary: 'Singapore citizen living in London, overseas address, born 1988 (loa:1–2)',
    uuid: '7b1c0a52-2f4e-4a8e-9d61-3c5a9e1f0a06',
    accountType: 'standard',
    uinfin: 'S8812345Z',
    identityCoi: 'SG',
    maxLoa: 2,
    amrByLoa: { 1: ['pwd'], 2: ['pwd', 'otp-email'] },
    myinfo: {
      uinfin: value('S8812345Z'),
      name: value('CHUA HUI MIN RACHEL'),
      sex: coded('F', 'FEMALE'),
      dob: value('1988-12-02'),
      ...CITIZEN,
      regadd: gov({
        type: 'UNFORMATTED',
        country: { code: 'GB', desc: 'UNITED KINGDOM' },
        line1: { value: 'FLAT 4, 17 QUILLBERRY GARDENS' },
        line2: { value: 'LONDON N7 0XT' },
      }),
      mobileno: own({ prefix: { value: '+' }, areacode: { value: '44' }, nbr: { value: '7700900123' } }),
      email: own({ value: 'rachel.chua.test@example.co.uk' }),
    },
  },
  {
    id: 'sg-citizen-password-only',
    summary: 'Singapore citizen born 1968, no second factor: loa:1 only',
    uuid: '7b1c0a52-2f4e-4a8e-9d61-3c5a9e1f0a07',
    accountType: 'standard',
    uinfin: 'S6812345C',
    identityCoi: 'SG',
    maxLoa: 1,
    amrByLoa: { 1: ['pwd'] },
    myinfo: {
      uinfin: value('S6812345C'),
      name: value('KOH BOON HWEE'),
      sex: coded('M', 'MALE'),
      dob: value('1968-04-05'),
      ...CITIZEN,
      regadd: sgAddress({
        block: '605',
        floor: '06',
        unit: '42',
        street: 'YISHUN STREET 61',
        postal: '760605',
      }),
    },
  },
  {
    id: 'gb-foreign-account',
    summary: 'British national without NRIC/FIN, Singpass Foreign user Account (loa:1–2)',
    uuid: '7b1c0a52-2f4e-4a8e-9d61-3c5a9e1f0a08',
    accountType: 'foreign',
    uinfin: 'Y1012345Q',
    foreignId: '912345678',
    identityCoi: 'GB',
    maxLoa: 2,
    amrByLoa: { 1: ['pwd'], 2: ['pwd', 'otp-email'] },
    myinfo: {
      name: value('IMOGEN PERCIVAL-STOKE'),
      sex: coded('F', 'FEMALE'),
      dob: value('1993-06-21'),
      nationality: coded('GB', 'BRITISH'),
      email: own({ value: 'imogen.ps.test@example.co.uk' }),
    },
  },
];

export function findPersona(id: string): Persona | undefined {
  return personas.find((p) => p.id === id);
}

/** The login's authentication level and methods: the best the person can do up to `wanted`. */
export function authenticate(persona: Persona, wanted: Loa): { loa: Loa; amr: readonly string[] } {
  const loa = Math.min(wanted, persona.maxLoa) as Loa;
  return { loa, amr: persona.amrByLoa[loa] ?? ['pwd'] };
}
