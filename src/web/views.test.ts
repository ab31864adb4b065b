import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { createViews, formErrors } from './index.ts';

const normalise = (html: string) => html.replace(/\s+/g, ' ').replace(/> </g, '><').trim();

test('document.njk is govuk-frontend’s template.njk without its inline script (drift check)', () => {
  const views = createViews();
  const context = {
    pageTitleLang: 'en',
    htmlClasses: 'a',
    bodyClasses: 'b',
    serviceName: 'S',
    serviceUrl: '/',
  };
  const ours = views.env.render('document.njk', context);
  const theirs = views.env.render('govuk/template.njk', context);
  const inline = /<script\b(?![^>]*\ssrc=)[^>]*>[\s\S]*?<\/script>/g;
  assert.equal(theirs.match(inline)?.length, 1, 'govuk-frontend still has exactly one inline script');
  assert.equal(normalise(ours), normalise(theirs.replace(inline, '')));
});

test('the layout titles pages "Page – govbridge – GOV.UK", with "Error: " when a form has errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'govbridge-views-'));
  writeFileSync(
    join(dir, 'extra-page.njk'),
    '{% extends "layout.njk" %}{% block content %}<p>{{ who }}</p>{% endblock %}',
  );
  const views = createViews();
  views.addPath(dir);
  const plain = views.render('extra-page.njk', { pageTitle: 'Check your answers', who: '<b>Ada</b>' });
  assert.match(plain, /<title>Check your answers – govbridge – GOV.UK<\/title>/);
  assert.match(plain, /<p>&lt;b&gt;Ada&lt;\/b&gt;<\/p>/, 'autoescape is on');
  const withErrors = views.render('extra-page.njk', {
    pageTitle: 'Check your answers',
    errorList: [{ text: 'Enter your name', href: '#name' }],
  });
  assert.match(withErrors, /<title>Error: Check your answers – govbridge – GOV.UK<\/title>/);
  assert.match(withErrors, /govuk-error-summary/);
  const untitled = views.render('extra-page.njk', {});
  assert.match(untitled, /<title>govbridge – GOV.UK<\/title>/);
});

test('csrfField() renders the hidden token, escaped, and refuses to render without one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'govbridge-views-'));
  writeFileSync(join(dir, 'form.njk'), '<form method="post">{{ csrfField() }}</form>');
  const views = createViews();
  views.addPath(dir);
  assert.equal(
    views.render('form.njk', { csrfToken: 'a"b<c' }),
    '<form method="post"><input type="hidden" name="_csrf" value="a&quot;b&lt;c"></form>',
  );
  assert.throws(() => views.render('form.njk', {}), /without a CSRF token/);
});

test('formErrors builds the GOV.UK error summary and field errors from a zod error', () => {
  const schema = z.object({
    name: z.string().min(1, 'Enter your full name'),
    dob: z.object({ day: z.coerce.number().int().min(1, 'Date of birth must include a day') }),
    email: z.email('Enter an email address in the correct format, like name@example.com'),
  });
  const parsed = schema.safeParse({ name: '', dob: { day: 0 }, email: 'nope' });
  assert.equal(parsed.success, false);
  if (parsed.success) return;
  const out = formErrors(parsed.error, {
    ids: { 'dob-day': 'dob-day' },
    messages: { email: 'Enter your email' },
  });
  assert.deepEqual(out.errorList, [
    { text: 'Enter your full name', href: '#name' },
    { text: 'Date of birth must include a day', href: '#dob-day' },
    { text: 'Enter your email', href: '#email' },
  ]);
  assert.deepEqual(out.fieldErrors['name'], { text: 'Enter your full name' });
  assert.deepEqual(out.fieldErrors['dob-day'], { text: 'Date of birth must include a day' });
});
