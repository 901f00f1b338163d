// ESLint for the TypeScript and React code (npm run lint, in npm test): typescript-eslint's
// recommended rules and React's hooks rules (the React Compiler's checks included: no refs or
// impure calls during render, no setState straight in an effect).
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test-results/', 'playwright-report/', 'public/', '.cache/'] },
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.{ts,tsx}', 'test/**/*.ts', 'bench/**/*.ts', 'e2e/**/*.ts', 'models/tests/*.ts', '*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
    },
  },
);
