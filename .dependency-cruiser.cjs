/**
 * The dependency rule of DESIGN.md §3, checked by `npm test` (npm run lint:deps):
 * domain imports nothing of ours and no Node built-in; server never imports
 * jobs; the mini-program and the console import only domain of ours; no import
 * cycles.
 */
const OURS = '^(config|domain|server|jobs|tools|scripts|miniprogram|console|bench|e2e)/';

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'domain/ is shared with the mini-program: it may import only domain/ and npm packages.',
      severity: 'error',
      from: { path: '^domain/' },
      to: { path: OURS, pathNot: '^domain/' },
    },
    {
      name: 'domain-has-no-node-builtins',
      comment: 'domain/ runs in the WeChat mini-program: no Node built-ins.',
      severity: 'error',
      from: { path: '^domain/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'server-never-imports-jobs',
      severity: 'error',
      from: { path: '^server/' },
      to: { path: '^(jobs|bench)/' },
    },
    {
      name: 'server-uses-tools-only-in-tests',
      comment: 'Tests of server/ may run the fake WeChat and SMS servers of tools/; production code never imports tools/.',
      severity: 'error',
      from: { path: '^server/', pathNot: '(\\.test\\.ts$|-support\\.ts$|^server/test/)' },
      to: { path: '^tools/' },
    },
    {
      name: 'config-is-a-leaf',
      comment: 'config/ may import only npm packages.',
      severity: 'error',
      from: { path: '^config/' },
      to: { path: OURS, pathNot: '^config/' },
    },
    {
      name: 'jobs-import-server-domain-config',
      comment: 'Tests of jobs/ may run the fakes of tools/; production code never imports tools/.',
      severity: 'error',
      from: { path: '^jobs/', pathNot: '(\\.test\\.ts$|-support\\.ts$)' },
      to: { path: '^(tools|bench|miniprogram|e2e)/' },
    },
    {
      name: 'miniprogram-imports-only-domain',
      severity: 'error',
      from: { path: '^miniprogram/' },
      to: { path: OURS, pathNot: '^(miniprogram|domain)/' },
    },
    {
      name: 'console-imports-only-domain',
      comment: 'The console (a browser app) shares domain/ with the server and the mini-program, and imports nothing else of ours.',
      severity: 'error',
      from: { path: '^console/' },
      to: { path: OURS, pathNot: '^(console|domain)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|\\.temp|\\.data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json', '.scss', '.d.ts'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
