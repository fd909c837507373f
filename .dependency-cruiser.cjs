// Architecture rules as code, run by `npm run lint` (through scripts/check-architecture.mjs, which adds the
// folder-level cycle check dependency-cruiser has no rule for). CommonJS because the package is "type": "module"
// and dependency-cruiser loads its config with require().
//
// Layers, lowest first. A file may import its own layer and the ones below, never one above (type-only imports
// count: `tsPreCompilationDeps`). `config` is the options/defaults/tokens at the root of lib/ that every service
// receives; the module root (index.ts, the module, its definition and root providers) sits on top.
// lib/testing/ (the simulator, a separate entry point) is outside the order: nothing in lib/ may import it.

/** Specs and their helpers may reach anywhere (they wire real parts together). */
const SPEC = '\\.spec(-helper)?\\.ts$';
const CONFIG_FILES =
  'wecom-batch(\\.options|\\.defaults|-options\\.schema|-options\\.resolver|\\.constants|\\.internal-constants)\\.ts$';
const CONFIG = `^lib/${CONFIG_FILES}`;
/** Any other file at the root of lib/. */
const ROOT = `^lib/(?!${CONFIG_FILES})[^/]+\\.ts$`;

/** [name, path regex] of each layer, lowest first. */
const LAYERS = [
  ['internal', '^lib/internal/'],
  ['model', '^lib/model/'],
  // OpenTelemetry spans and metrics: low, so client, batch and callback can all record; it imports nothing above.
  ['telemetry', '^lib/telemetry/'],
  ['errors', '^lib/errors/'],
  ['events', '^lib/events/'],
  ['stores', '^lib/stores/'],
  ['config', CONFIG],
  ['client', '^lib/client/'],
  ['batch', '^lib/batch/'],
  ['callback', '^lib/callback/'],
  ['corps', '^lib/corps/'],
  // The Terminus health indicator and the pending-jobs gauges read every layer below, beside the module.
  ['health', '^lib/health/'],
  ['root', ROOT],
];

const layerRules = LAYERS.slice(0, -1).map((layer, index) => {
  const higher = LAYERS.slice(index + 1);
  return {
    name: `layer-${layer[0]}`,
    severity: 'error',
    comment:
      `${layer[0]} may not import a higher layer (${higher.map(([n]) => n).join(', ')}). ` +
      'Layer order: ' +
      LAYERS.map(([n]) => n).join(' < '),
    from: { path: layer[1], pathNot: SPEC },
    to: { path: higher.map(([, p]) => `(${p})`).join('|') },
  };
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A file-level import cycle. Move the shared part into a lower file (or a lower layer).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-testing-from-lib',
      severity: 'error',
      comment: 'lib/ may not import the simulator (lib/testing/) outside lib/testing/ itself and specs.',
      from: { path: '^lib/', pathNot: `^lib/testing/|${SPEC}` },
      to: { path: '^lib/testing/' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve (a deep @nestjs/* path rejected by an exports map, a typo).',
      from: {},
      to: { couldNotResolve: true },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|coverage|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // The sources import './x.js' for './x.ts' (nodenext); with tsConfig, dependency-cruiser resolves those to the
    // .ts file. The exports maps of the packages decide what resolves (a deep @nestjs/* path does not on Nest 12).
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.cjs', '.mjs', '.d.ts'],
    },
  },
};
