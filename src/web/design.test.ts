import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GovbridgeError } from '../kernel/index.ts';
import { decideDesign, SGDS_TEMPLATES, templateFor } from './design.ts';
import { loadSgdsAssets } from './sgds-assets.ts';
import { buildWebTestApp } from './test-app.ts';
import { createViews } from './views.ts';

test('the design: the relying party’s country first, then the person’s choice, then GOV.UK', () => {
  assert.equal(decideDesign({ clientCountry: 'SG' }), 'sgds');
  assert.equal(decideDesign({ clientCountry: 'GB' }), 'govuk');
  // A login's pages wear its relying party's country whatever the person chose elsewhere.
  assert.equal(decideDesign({ clientCountry: 'GB', chosen: 'sgds' }), 'govuk');
  assert.equal(decideDesign({ clientCountry: 'SG', chosen: 'govuk' }), 'sgds');
  // No relying party: the person's choice, when it is a design.
  assert.equal(decideDesign({ chosen: 'sgds' }), 'sgds');
  assert.equal(decideDesign({ chosen: 'govuk' }), 'govuk');
  assert.equal(decideDesign({ chosen: 'bootstrap' }), 'govuk');
  // A country with no design of its own (not registrable today) falls through to the choice.
  assert.equal(decideDesign({ clientCountry: 'FR', chosen: 'sgds' }), 'sgds');
  assert.equal(decideDesign({ clientCountry: 'FR' }), 'govuk');
  assert.equal(decideDesign(), 'govuk');
});

test('templateFor: the SGDS version of a sign-in page, and GOV.UK for pages without one', () => {
  assert.deepEqual(templateFor('sign-in/consent.njk', 'sgds'), {
    template: 'sign-in/sgds/consent.njk',
    design: 'sgds',
  });
  assert.deepEqual(templateFor('sign-in/consent.njk', 'govuk'), {
    template: 'sign-in/consent.njk',
    design: 'govuk',
  });
  assert.deepEqual(templateFor('sign-in/consent.njk', undefined), {
    template: 'sign-in/consent.njk',
    design: 'govuk',
  });
  // A page with no SGDS version stays wholly GOV.UK rather than mixing the two.
  assert.deepEqual(templateFor('account/consents.njk', 'sgds'), {
    template: 'account/consents.njk',
    design: 'govuk',
  });
});

test('every SGDS page renders in the SGDS layout: masthead, SGDS CSS, no GOV.UK crown or Crown copyright', () => {
  const views = createViews();
  const context = {
    design: 'sgds',
    csrfToken: 'token',
    pageTitle: 'Title',
    uid: 'uid',
    rpName: 'Service',
    agency: 'Agency',
    country: 'Singapore',
    schemes: [{ value: 'singpass', text: 'Singpass', hint: 'hint' }],
    attributes: [],
    withheld: [],
    unavailable: [],
    action: 'https://rp.example/cb',
    fields: { code: 'c' },
    form: '<form id="op.logoutForm"></form>',
    heading: 'Heading',
    paragraphs: [{ text: 'Paragraph' }],
    links: [],
  };
  for (const template of Object.keys(SGDS_TEMPLATES)) {
    const html = views.render(template, context);
    assert.match(html, /<sgds-masthead\b/, template);
    assert.match(html, /href="\/assets\/sgds\/themes\/day\.css\?v=/, template);
    assert.match(html, /<title>Title – govbridge<\/title>/, template);
    assert.doesNotMatch(html, /govuk-header|govuk-footer|govuk-frontend\.min\.css|Crown copyright/, template);
    const govuk = views.render(template, { ...context, design: 'govuk' });
    assert.match(govuk, /govuk-header__logotype/, template);
    assert.match(govuk, /Crown copyright/, template);
    assert.doesNotMatch(govuk, /sgds-masthead|\/assets\/sgds\//, template);
  }
});

test('an error page wears the design the route learnt from its relying party', async () => {
  const { app } = await buildWebTestApp({
    routes: (r) => {
      r.get<{ Querystring: { country?: string } }>('/login-step', async (req) => {
        if (req.query.country) req.design = req.query.country === 'SG' ? 'sgds' : 'govuk';
        throw new GovbridgeError('bad_request', 'That sign-in request cannot be used.', { expose: true });
      });
    },
  });
  try {
    const sg = await app.inject({ url: '/login-step?country=SG' });
    assert.equal(sg.statusCode, 400);
    assert.match(sg.body, /<sgds-masthead\b/);
    assert.match(sg.body, /That sign-in request cannot be used\./);
    assert.doesNotMatch(sg.body, /govuk-header|Crown copyright/);
    for (const url of ['/login-step?country=GB', '/login-step']) {
      const uk = await app.inject({ url });
      assert.equal(uk.statusCode, 400);
      assert.match(uk.body, /govuk-header__logotype/, url);
      assert.doesNotMatch(uk.body, /sgds-masthead/, url);
    }
  } finally {
    await app.close();
  }
});

test('/assets/sgds/: the package’s files, their data: images moved to URLs of ours', async () => {
  const assets = loadSgdsAssets();
  assert.ok(assets.images.size > 0, 'the package draws some icons as data: images');
  const { app } = await buildWebTestApp();
  try {
    const theme = await app.inject({ url: '/assets/sgds/themes/day.css?v=1' });
    assert.equal(theme.statusCode, 200);
    assert.match(theme.headers['content-type'] as string, /^text\/css/);
    assert.match(theme.headers['cache-control'] as string, /immutable/);
    assert.match(theme.body, /--sgds-primary-color-default/);
    const masthead = await app.inject({ url: '/assets/sgds/components/Masthead/index.umd.min.js?v=1' });
    assert.equal(masthead.statusCode, 200);
    assert.match(masthead.headers['content-type'] as string, /^text\/javascript/);
    assert.match(masthead.body, /sgds-masthead/);
    assert.doesNotMatch(masthead.body, /data:image/);
    const reboot = await app.inject({ url: '/assets/sgds/css/reboot.css' });
    assert.equal(reboot.statusCode, 200);
    assert.equal(reboot.headers['cache-control'], 'public, max-age=86400');
    assert.doesNotMatch(reboot.body, /data:image/);
    const [name] = [...assets.images.keys()];
    const image = await app.inject({ url: `/assets/sgds/images/${name}` });
    assert.equal(image.statusCode, 200);
    assert.equal(image.headers['content-type'], 'image/svg+xml');
    // Nothing else of the package is reachable.
    const other = await app.inject({ url: '/assets/sgds/package.json' });
    assert.equal(other.statusCode, 404);
  } finally {
    await app.close();
  }
});
