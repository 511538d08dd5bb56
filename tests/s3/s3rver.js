// Starts @20minutes/s3rver (5.x: verifies SigV4 signatures) on 127.0.0.1 and
// a free port, with bucket "tidemark-test", and prints "port N" once it
// listens. It stops when its standard input closes (its parent died or is
// done), so a killed test never leaves a server behind.
//   node s3rver.js MODULE_DIR DATA_DIR
const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')
const [moduleDir, dataDir] = process.argv.slice(2)
const pkgDir = path.join(moduleDir, 'node_modules', '@20minutes', 's3rver')
const S3rver = require(pkgDir)
const FilesystemStore = require(path.join(pkgDir, 'lib', 'stores', 'filesystem'))

// s3rver 5.0 answers a PUT before the object's bytes are written, and
// writes them in place: a list or GET right after a PUT may miss the object,
// and a GET during an overwrite may see part of it. AWS S3 is strongly
// read-after-write consistent and never shows a partial object, and the
// backend relies on both (docs/guide/s3.md). So the test server writes each
// object to a temporary file (its name does not end in the object suffix, so
// lists skip it), renames it into place, and only then answers.
FilesystemStore.prototype.putContent = async function putContent(objectPath, content) {
  const chunks = []
  if (Buffer.isBuffer(content)) {
    chunks.push(content)
  } else {
    for await (const chunk of content) chunks.push(Buffer.from(chunk))
  }
  const body = Buffer.concat(chunks)
  const tmp = `${objectPath}.tmp-${process.pid}-${crypto.randomBytes(8).toString('hex')}`
  for (let attempt = 0; ; attempt++) {
    try {
      // A concurrent delete may have removed the (then empty) folder.
      await fs.promises.mkdir(path.dirname(objectPath), { recursive: true })
      await fs.promises.writeFile(tmp, body)
      await fs.promises.rename(tmp, objectPath)
      break
    } catch (err) {
      if (err.code !== 'ENOENT' || attempt >= 10) throw err
    }
  }
  return [body.length, crypto.createHash('md5').update(body).digest('hex')]
}

// s3rver 5.0 also rewrites an object's metadata files (its ETag among them)
// in place, so a GET during an overwrite may answer an empty ETag: they are
// written to temporary files and renamed into place too.
const S3Object = require(path.join(pkgDir, 'lib', 'models', 'object'))
const { pick, pickBy } = require(path.join(moduleDir, 'node_modules', 'lodash'))
async function writeAtomically(file, data) {
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(8).toString('hex')}`
  await fs.promises.writeFile(tmp, data)
  await fs.promises.rename(tmp, file)
}
FilesystemStore.prototype.putMetadata = async function putMetadata(bucket, key, metadata, md5) {
  const json = {
    ...pick(metadata, S3Object.ALLOWED_METADATA),
    ...pickBy(metadata, (_value, k) => k.startsWith('x-amz-meta-')),
  }
  if (md5) await writeAtomically(this.getResourcePath(bucket, key, 'object.md5'), md5)
  await writeAtomically(this.getResourcePath(bucket, key, 'metadata.json'), JSON.stringify(json, null, 2))
}

// s3rver 5.0 removes a key's folders after a delete when they look empty,
// with a recursive rm that runs after the check: an object written into the
// folder in between is deleted with it, though its PUT succeeded (S3 has no
// folders and never does this). Here a folder is removed only while it is
// empty (rmdir fails on a folder that has gained a file).
FilesystemStore.prototype.deleteObject = async function deleteObject(bucket, key) {
  await Promise.all(
    ['object', 'object.md5', 'metadata.json'].map((kind) =>
      fs.promises.unlink(this.getResourcePath(bucket, key, kind)).catch((err) => {
        if (err.code !== 'ENOENT') throw err
      })
    )
  )
  const parts = key.split('/')
  parts.pop()
  while (parts.length) {
    try {
      await fs.promises.rmdir(path.join(this.getBucketPath(bucket), ...parts))
    } catch {
      break  // not empty (or gone): leave it
    }
    parts.pop()
  }
}
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: dataDir,
  vhostBuckets: false,
  // Only for bench/s3's restic run: restic 0.14 (Debian 12) signs requests in
  // a way this server rejects. Tests never set it.
  allowMismatchedSignatures: process.env.S3RVER_ALLOW_MISMATCHED_SIGNATURES === '1',
  configureBuckets: [{ name: 'tidemark-test' }],
})
server.run((err, { port } = {}) => {
  if (err) {
    console.error(`s3rver: ${err.message}`)
    process.exit(1)
  }
  process.stdout.write(`port ${port}\n`)
})
process.stdin.on('data', () => {})
process.stdin.on('end', () => process.exit(0))
process.stdin.on('error', () => process.exit(0))
