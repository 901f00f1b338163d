import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    environment: 'node',
    // The CLI test starts tsx in a child process; 2 slow cores need more than the default 5 s.
    testTimeout: 30_000,
  },
});
