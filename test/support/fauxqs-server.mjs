#!/usr/bin/env node
// Runs fauxqs (an S3/SQS/SNS emulator from npm) as a process of its own, for tests
// (test/support/s3-servers.ts) and benchmarks (bench/s3.bench.mjs):
//
//   node test/support/fauxqs-server.mjs [--port N] [--storage DIR]
//
// prints one line `{"port":N}` on stdout once it listens, and runs until SIGTERM/SIGINT (clean
// stop), SIGKILL (abrupt: what a crashed or unplugged server looks like) or, when its stdin is a
// pipe, that pipe closing (the parent died). Without --storage objects live in memory.
//
// Four corrections are applied to fauxqs 2.4.1 while it loads (module load hook; node_modules is
// not changed), each failing loudly if fauxqs's code no longer matches:
// - it listens on 127.0.0.1 only (fauxqs binds 0.0.0.0 whatever `host` says);
// - CompleteMultipartUpload decodes numeric XML character references such as `&#34;` (Go's
//   encoding/xml writes the quotes of an ETag that way; S3 decodes them, fauxqs did not and
//   answered InvalidPart to rclone and other Go clients);
// - with --storage, the body of the object read last stays in memory until an object is written:
//   fauxqs reads a whole object from disk for every GET, also for a Range GET, so a client that
//   downloads 1 GiB in 8 MiB ranges (the AWS CLI) made it read 128 GiB (2 minutes instead of 4 s);
// - ListMultipartUploads (`GET /bucket?uploads`) answers the uploads in progress, with Prefix and
//   Delimiter as S3 applies them, in one page (fauxqs answered a ListObjects V1 there, so no
//   client could find the uploads an interrupted writer left).
import { fstatSync } from 'node:fs';
import { registerHooks } from 'node:module';

const patches = [
  {
    file: '/fauxqs/dist/app.js',
    from: 'app.listen({ port, host: "0.0.0.0" })',
    to: 'app.listen({ port, host: "127.0.0.1" })',
  },
  {
    file: '/fauxqs/dist/s3/actions/completeMultipartUpload.js',
    from: 'function unescapeXml(str) {',
    to: `function unescapeXml(str) {
    const named = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
    return str.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, e) =>
        e[0] !== "#" ? named[e] : String.fromCodePoint(e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)));
}
function unescapeXmlOriginal(str) {`,
  },
  {
    file: '/fauxqs/dist/s3/fileS3Persistence.js',
    from: 'return readFileSync(dataPath);',
    to: `const st = process.getBuiltinModule("node:fs").statSync(dataPath, { bigint: true });
        const id = [dataPath, st.dev, st.ino, st.size, st.mtimeNs].join("\\0");
        if (this.lastBody?.id !== id) this.lastBody = { id, body: readFileSync(dataPath) };
        return this.lastBody.body;`,
  },
  {
    file: '/fauxqs/dist/s3/fileS3Persistence.js',
    from: 'upsertObject(bucket, obj) {',
    to: 'upsertObject(bucket, obj) {\n        this.lastBody = undefined;',
  },
  {
    file: '/fauxqs/dist/s3/actions/listObjects.js',
    from: 'export function listObjects(request, reply, store) {',
    to: `export function listObjects(request, reply, store) {
    if ("uploads" in (request.query ?? {})) return listMultipartUploads(request, reply, store);
    return listObjectsOriginal(request, reply, store);
}
function listMultipartUploads(request, reply, store) {
    const bucket = request.params.bucket;
    const query = request.query ?? {};
    const prefix = query["prefix"] ?? "";
    const delimiter = query["delimiter"] || undefined;
    const uploads = [];
    const prefixes = new Set();
    for (const id of store.multipartUploadsByBucket.get(bucket) ?? []) {
        const upload = store.multipartUploads.get(id);
        if (!upload || !upload.key.startsWith(prefix)) continue;
        const cut = delimiter ? upload.key.indexOf(delimiter, prefix.length) : -1;
        if (cut >= 0) prefixes.add(upload.key.slice(0, cut + delimiter.length));
        else uploads.push(upload);
    }
    uploads.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const xml = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
        \`<Bucket>\${escapeXml(bucket)}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>\`,
        \`<Prefix>\${escapeXml(prefix)}</Prefix><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>\`,
        ...uploads.map((u) => \`<Upload><Key>\${escapeXml(u.key)}</Key><UploadId>\${u.uploadId}</UploadId>\` +
            \`<Initiated>\${new Date(u.initiated).toISOString()}</Initiated><StorageClass>STANDARD</StorageClass></Upload>\`),
        ...[...prefixes].sort().map((p) => \`<CommonPrefixes><Prefix>\${escapeXml(p)}</Prefix></CommonPrefixes>\`),
        '</ListMultipartUploadsResult>',
    ].join("\\n");
    reply.header("content-type", "application/xml");
    reply.status(200).send(xml);
}
function listObjectsOriginal(request, reply, store) {`,
  },
];

registerHooks({
  load(url, context, nextLoad) {
    const result = nextLoad(url, context);
    const mine = patches.filter((p) => url.endsWith(p.file));
    if (mine.length === 0) return result;
    let source = String(result.source);
    for (const patch of mine) {
      if (!source.includes(patch.from))
        throw new Error(`fauxqs-server.mjs: ${patch.file} changed, cannot apply: ${patch.from}`);
      source = source.replace(patch.from, patch.to);
    }
    return { ...result, source };
  },
});

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const port = Number(option('--port') ?? 0);
const storage = option('--storage');

const { startFauxqs } = await import('fauxqs');
const server = await startFauxqs({
  port,
  host: '127.0.0.1',
  logger: false,
  ...(storage ? { s3StorageDir: storage } : {}),
});
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  const timer = setTimeout(() => process.exit(0), 3000);
  try {
    await server.stop();
  } finally {
    clearTimeout(timer);
    process.exit(0);
  }
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (fstatSync(0).isFIFO()) {
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}
