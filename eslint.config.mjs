// Lint holds the architecture (docs/architecture.md, "Layering"): a layering violation fails
// `npm test`. Each block names the folder it governs and what that folder may not import.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const electron = {
  name: 'electron',
  message: 'Only src-main/main.ts and src-main/app/ may import electron.',
};
const nodeBuiltins = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'os',
  'child_process',
  'net',
  'http',
  'https',
  'crypto',
  'worker_threads',
  'stream',
];

const layer = (files, { paths = [], patterns = [], ignores = [] }) => ({
  files,
  ignores,
  rules: { 'no-restricted-imports': ['error', { paths, patterns }] },
});

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'release/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // The bin launcher is plain CommonJS so that it runs without a build step of its own.
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },

  // src-shared: pure TypeScript, the common layer. No other src folder, no electron, no Node, no DOM libs.
  layer(['src-shared/**'], {
    paths: [electron],
    patterns: [
      {
        group: ['**/src-main/**', '**/src-renderer/**', '**/src-preload/**'],
        message: 'src-shared imports no other src folder.',
      },
      { group: nodeBuiltins, message: 'src-shared is pure TypeScript: no Node modules.' },
      {
        group: ['react', 'react-dom', 'zustand'],
        message: 'src-shared is pure TypeScript: no UI libraries.',
      },
    ],
  }),

  // src-renderer: only src-shared and its own files; never main, preload, electron or Node.
  layer(['src-renderer/**'], {
    paths: [
      { name: 'electron', message: 'The renderer reaches main only through lib/api-client.ts.' },
    ],
    patterns: [
      {
        group: ['**/src-main/**', '**/src-preload/**'],
        message: 'The renderer imports only src-shared and its own files.',
      },
      { group: nodeBuiltins, message: 'The renderer runs sandboxed: no Node modules.' },
    ],
  }),
  {
    files: ['src-renderer/**'],
    ignores: ['src-renderer/lib/api-client.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='window'][property.name='api']",
          message: 'Only src-renderer/lib/api-client.ts touches window.api.',
        },
      ],
    },
  },

  // src-preload: the bridge. Electron and src-shared only.
  layer(['src-preload/**'], {
    patterns: [
      {
        group: ['**/src-main/**', '**/src-renderer/**'],
        message: 'The preload builds window.api from src-shared only.',
      },
    ],
  }),

  // src-main outside main.ts and app/: plain Node, testable without Electron.
  layer(['src-main/**'], {
    ignores: ['src-main/main.ts', 'src-main/app/**', 'src-main/protocols/**'],
    paths: [electron],
    patterns: [
      {
        group: ['**/src-renderer/**', '**/src-preload/**'],
        message: 'Main never imports the renderer or the preload.',
      },
    ],
  }),

  // src-main/app: may use electron, but only ipc-main.ts touches ipcMain.
  layer(['src-main/main.ts', 'src-main/app/**'], {
    ignores: ['src-main/app/ipc-main.ts'],
    paths: [
      {
        name: 'electron',
        importNames: ['ipcMain'],
        message: 'Only src-main/app/ipc-main.ts touches ipcMain.',
      },
    ],
    patterns: [
      {
        group: ['**/src-renderer/**', '**/src-preload/**'],
        message: 'Main never imports the renderer or the preload.',
      },
    ],
  }),

  // src-main/protocols: self-contained clients that could be published alone. Nothing from the app.
  layer(['src-main/protocols/**'], {
    paths: [electron],
    patterns: [
      {
        group: [
          '**/src-shared/**',
          '**/src-renderer/**',
          '**/src-preload/**',
          '**/engine/**',
          '**/locations/**',
          '**/services/**',
          '**/host/**',
          '**/store/**',
          '**/handlers/**',
          '**/app/**',
          '**/events/**',
          '**/security/**',
        ],
        message: 'A protocol client imports nothing from the app.',
      },
    ],
  }),
);
