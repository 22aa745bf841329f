import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // Generated or run-time output: the bundle, local-mode state, build output, bench results.
  { ignores: ['dist/', 'node_modules/', 'oclif.manifest.json', 'bench/results/', '.faafo/', 'out/', 'tmp/', '.lcx-scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
