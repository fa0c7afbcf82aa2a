import { afterAll, beforeAll } from 'vitest';
import { startS3Server, type RunningS3Server } from '../support/s3-servers';
import { describeLocationConformance } from './location-conformance';
import { s3FixtureMaker } from './s3-fixture';

let server: RunningS3Server;
const BUCKET = 'conformance';

beforeAll(async () => {
  server = await startS3Server('fauxqs');
  await server.createBucket(BUCKET);
});
afterAll(async () => {
  await server?.stop();
});

describeLocationConformance(
  'S3-compatible (fauxqs)',
  s3FixtureMaker(() => server, BUCKET),
);
