// ESLint for the TypeScript and React code (npm run lint, in npm test): typescript-eslint's
// recommended rules, its type-aware promise rules (a promise nobody awaits or catches, a promise
// where a callback must return nothing) and React's hooks rules (the React Compiler's checks
// included: no refs or impure calls during render, no setState straight in an effect).
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test-results/', 'playwright-report/', 'public/', '.cache/'] },
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.{ts,tsx}', 'test/**/*.ts', 'bench/**/*.ts', 'e2e/**/*.ts', 'models/tests/*.ts', '*.ts'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
);
