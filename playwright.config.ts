import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

// The UI is tested in Debian's Chromium against the web host (the Electron binary cannot be
// downloaded on these machines). Never `npx playwright install`: it downloads a browser.
const systemChromium = '/usr/bin/chromium';

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results/e2e',
  timeout: 30_000,
  workers: 2,
  reporter: [['list']],
  use: {
    headless: true,
    viewport: { width: 1200, height: 760 },
    launchOptions: {
      ...(existsSync(systemChromium) ? { executablePath: systemChromium } : {}),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
});
