import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { oneLoginUiLocales } from './ui-locales.ts';

describe('ui_locales for GOV.UK One Login (en and cy only)', () => {
  it('keeps English and Welsh, as bare codes, in the relying party’s order, once each', () => {
    assert.equal(oneLoginUiLocales('cy'), 'cy');
    assert.equal(oneLoginUiLocales('cy-GB fr en'), 'cy en');
    assert.equal(oneLoginUiLocales('en-GB cy en'), 'en cy');
    assert.equal(oneLoginUiLocales('EN CY'), 'en cy');
  });

  it('sends nothing when neither is asked for, or nothing was sent', () => {
    assert.equal(oneLoginUiLocales('zh-SG ms ta'), undefined);
    assert.equal(oneLoginUiLocales('cym'), undefined);
    assert.equal(oneLoginUiLocales(''), undefined);
    assert.equal(oneLoginUiLocales(undefined), undefined);
  });
});
