import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactUpstreamText } from './upstream-text.ts';

test("an upstream's error text keeps its meaning and loses what identifies a person", () => {
  assert.equal(
    redactUpstreamText('login_hint names an unknown persona'),
    'login_hint names an unknown persona',
  );
  assert.equal(redactUpstreamText(undefined), undefined);
  assert.equal(redactUpstreamText(''), undefined);
  assert.equal(redactUpstreamText(42), undefined);
  const out = redactUpstreamText(
    'user S9812381D (daniel@example.sg, +6591234567, QQ123456C) sent eyJhbGciOi.eyJzdWIi.sig\u0000\u202e',
  )!;
  for (const leaked of ['S9812381D', 'daniel@', '91234567', 'QQ123456C', 'eyJ', '\u0000', '\u202e']) {
    assert.ok(!out.includes(leaked), `${leaked} in ${out}`);
  }
  assert.match(out, /\[id\].*\[email\].*\[number\].*\[jwt\]/);
  assert.ok(redactUpstreamText('x'.repeat(5000))!.length <= 200);
});
