import { defineConfig, mergeConfig } from 'vitest/config';
import viteConfig from './vite.config.ts';

export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
      environment: 'node',
      // The CLI test starts tsx in a child process; 2 slow cores need more than the default 5 s.
      testTimeout: 30_000,
    },
  }),
);
