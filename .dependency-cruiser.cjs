/**
 * The module boundaries of ARCHITECTURE.md, enforced in `npm test` (`npm run check`).
 * Lower layers never import higher ones; other modules import a module only through its index.ts;
 * libraries stay inside the modules named for them.
 */
const allowed = {
  kernel: [],
  config: ['kernel'],
  trust: ['kernel'],
  rules: ['kernel'],
  // Locales, message catalogues, Intl formatting, locale negotiation (issue 12; ADR 19).
  i18n: ['kernel'],
  storage: ['kernel', 'config'],
  policy: ['kernel', 'trust'],
  ledger: ['kernel', 'storage'],
  consent: ['kernel', 'storage', 'ledger'],
  connectors: ['kernel', 'trust'],
  broker: ['kernel', 'config', 'storage', 'trust', 'policy', 'consent', 'ledger', 'connectors'],
  'life-events': ['kernel', 'rules', 'trust', 'storage', 'consent'],
  notifications: ['kernel', 'storage', 'policy', 'ledger'],
  simulators: ['kernel'],
  demo: ['kernel', 'storage'],
  // Metrics and (later) tracing: no domain logic; domain modules take observer interfaces instead.
  observability: ['kernel', 'config'],
  // The operators' side (ADR 18): audit trail, console sessions, operator actions over the registries.
  operator: ['kernel', 'config', 'storage', 'ledger', 'broker', 'notifications'],
  web: [
    'kernel',
    'config',
    'i18n',
    'trust',
    'rules',
    'policy',
    'ledger',
    'consent',
    'connectors',
    'broker',
    'life-events',
    'notifications',
    'operator',
  ],
};

const modules = Object.keys(allowed);
const layerRules = modules.map((m) => ({
  name: `layer-${m}`,
  comment: `${m}/ may import only: ${allowed[m].join(', ') || 'nothing'} (ARCHITECTURE.md)`,
  severity: 'error',
  from: { path: `^src/${m}/` },
  to: {
    path: `^src/(${modules.join('|')})/`,
    pathNot: [`^src/(${[m, ...allowed[m]].join('|')})/`],
  },
}));

const libraryRules = [
  ['fastify', ['web', 'broker', 'simulators', 'demo'], '^node_modules/(fastify|@fastify)/'],
  ['oidc-provider', ['broker', 'simulators'], '^node_modules/oidc-provider/'],
  // Clients of other OpenID Providers: the demo services, and the console's operator sign-in (ADR 18).
  ['openid-client', ['demo', 'operator'], '^node_modules/openid-client/'],
  [
    'jose',
    ['broker', 'connectors', 'simulators', 'ledger', 'notifications', 'storage', 'demo'],
    '^node_modules/jose/',
  ],
  ['database drivers', ['storage/dialects'], '^node_modules/(pg|pg-pool)/|^node:sqlite$|^sqlite$'],
  // The expression engine stays behind rules/: callers see compiled expressions and outcomes, never CEL.
  ['cel-js', ['rules'], '^node_modules/@marcbachmann/cel-js/'],
  // prom-client stays behind observability/ (ADR 14): modules report through observer interfaces.
  ['prom-client', ['observability'], '^node_modules/prom-client/'],
  // ICU messages stay behind i18n/: pages call t(key, values), never intl-messageformat.
  ['intl-messageformat', ['i18n'], '^node_modules/(intl-messageformat|@formatjs)/'],
  // Traces (ADR 17): the OpenTelemetry API where spans are made; the SDK and exporters only in
  // observability/ (and the composition root, exempt below).
  [
    'opentelemetry-api',
    ['observability', 'web', 'broker', 'connectors', 'notifications'],
    '^node_modules/@opentelemetry/api/',
  ],
  ['opentelemetry-sdk', ['observability'], '^node_modules/@opentelemetry/(?!api/)'],
  // Cedar stays behind policy/: callers see decisions with policy ids and reasons, never Cedar.
  ['cedar', ['policy'], '^node_modules/@cedar-policy/'],
].map(([lib, where, to]) => ({
  name: `library-${lib.replace(/\W+/g, '-')}`,
  comment: `${lib} may be imported only in ${where.join(', ')} (ARCHITECTURE.md)`,
  severity: 'error',
  from: {
    path: '^src/',
    pathNot: [`^src/(${where.join('|')})/`, '^src/app/', '^src/server\\.ts$', '\\.test\\.ts$'],
  },
  to: { path: to },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    ...libraryRules,
    {
      name: 'only-through-index',
      comment: 'Other modules import a module only through its index.ts',
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: {
        path: '^src/([^/]+)/.+',
        pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'],
      },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'src-not-from-test',
      comment: 'Production code never imports test support',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    builtInModules: { add: ['node:sqlite', 'sqlite'] },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
