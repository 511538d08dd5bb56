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
  await fs.promises.writeFile(tmp, body)
  await fs.promises.rename(tmp, objectPath)
  return [body.length, crypto.createHash('md5').update(body).digest('hex')]
}
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: dataDir,
  vhostBuckets: false,
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
