/** Unit and integration tests: colocated *.test.ts files, transpiled by SWC (tsc type-checks separately). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/config', '<rootDir>/domain', '<rootDir>/server', '<rootDir>/jobs', '<rootDir>/tools', '<rootDir>/deploy'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  // ESM-only packages used by tests are compiled to CommonJS like our own code.
  transformIgnorePatterns: ['/node_modules/(?!(@seriousme/openapi-schema-validator)/)'],
  globalSetup: '<rootDir>/server/test/global-setup.ts',
  setupFiles: ['<rootDir>/server/test/env.ts'],
  testTimeout: 30000,
  maxWorkers: 2,
};
