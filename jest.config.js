/**
 * Unit specs sit beside the code; e2e suites under test/e2e start the real apps against real services;
 * broker specs (*.broker-spec.ts) sit beside libs/messaging's code and run against the local RabbitMQ;
 * the faults suite under test/faults starts private Postgres, RabbitMQ and Redis servers and stops, kills and restarts them;
 * the compose suite under test/compose runs docker-compose.yml itself (`npm run test:compose`, not part of `npm test`).
 */
const moduleNameMapper = {
  '^@darkroom/(config|contracts|database|storage|messaging|observability|cache|webhooks)$': '<rootDir>/libs/$1/src/index.ts',
};
// Type-checking is `npm run build`'s job; the tests only transpile, which keeps them fast.
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  // Nest 12 ships ES modules only. Node >= 20.19 loads them through require(esm), but Jest's
  // module runtime only does so from Node 24.9, so on Node 20/22 Jest compiles them to CommonJS (thumbhash too).
  '^.+\\.js$': ['@swc/jest', { jsc: { target: 'es2023' }, module: { type: 'commonjs' } }],
};
const transformIgnorePatterns = ['/node_modules/(?!(@nestjs|nestjs-pino|thumbhash)/)'];

module.exports = {
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/deploy/**/*.spec.ts'],
      moduleNameMapper,
      transform,
      transformIgnorePatterns,
    },
    {
      // Specs of libs/messaging against the real RabbitMQ (RABBITMQ_URL, default 127.0.0.1:5672), under
      // names with a random suffix that they delete afterwards: no app, no global set-up.
      displayName: 'broker',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/libs/**/*.broker-spec.ts'],
      moduleNameMapper,
      transform,
      transformIgnorePatterns,
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/e2e/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/e2e/support/global-teardown.ts',
      moduleNameMapper,
      transform,
      transformIgnorePatterns,
      // testTimeout is not read per project; this file sets it for e2e (builds and real processing).
      setupFilesAfterEnv: ['<rootDir>/test/e2e/support/e2e-timeout.ts'],
    },
    {
      displayName: 'faults',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/faults/**/*.faults-spec.ts'],
      moduleNameMapper,
      transform,
      transformIgnorePatterns,
      setupFilesAfterEnv: ['<rootDir>/test/faults/support/faults-timeout.ts'],
    },
    {
      displayName: 'compose',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/compose/**/*.compose-spec.ts'],
      moduleNameMapper,
      transform,
      transformIgnorePatterns,
      setupFilesAfterEnv: ['<rootDir>/test/compose/support/compose-timeout.ts'],
    },
  ],
};
