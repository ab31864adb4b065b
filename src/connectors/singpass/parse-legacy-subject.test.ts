import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GovbridgeError } from '../../kernel/index.ts';
import { parseLegacySubject } from './parse-legacy-subject.ts';

describe('parseLegacySubject', () => {
  it('reads s= and u= (the shape Singpass and MockPass send)', () => {
    assert.deepEqual(parseLegacySubject('s=S8979373D,u=a9865837-7bd7-46ac-bef4-42a76a946424'), {
      uuid: 'a9865837-7bd7-46ac-bef4-42a76a946424',
      identityNumber: 'S8979373D',
      foreignId: undefined,
      coi: undefined,
    });
  });

  it('reads a foreign account with fid= and coi=', () => {
    const s = parseLegacySubject('s=Y4581892I,fid=G730Z-H5P96,coi=DE,u=acf8edda-bfdf-45fc-b140-a6ec6955d857');
    assert.equal(s.foreignId, 'G730Z-H5P96');
    assert.equal(s.coi, 'DE');
    assert.equal(s.uuid, 'acf8edda-bfdf-45fc-b140-a6ec6955d857');
  });

  for (const bad of [
    'S8979373D',
    's=S8979373D',
    'u=a9865837-7bd7-46ac-bef4-42a76a946424',
    's=S8979373D,u=not-a-uuid',
    's=S8979373D,s=S1,u=a9865837-7bd7-46ac-bef4-42a76a946424',
  ]) {
    it(`refuses ${bad.slice(0, 12)}… without echoing it`, () => {
      assert.throws(
        () => parseLegacySubject(bad),
        (err: unknown) =>
          err instanceof GovbridgeError &&
          err.code === 'upstream_invalid_response' &&
          err.detail?.check === 'sub' &&
          !err.message.includes('S8979373D'),
      );
    });
  }
});
