// Runs NocoDB (from the npm cache) on 127.0.0.1 and a free port, its
// metadata and data in the SQLite file NC_DB names, and prints "port N"
// once it serves (or "error ..." when it cannot start). NocoDB's own logs
// go to stderr, so stdout says only that. It stops when its standard input
// closes (its parent died or is done), so a killed test never leaves a
// NocoDB behind.
//   node nocodb.js MODULE_DIR
const path = require('node:path')
const nm = path.join(process.argv[2], 'node_modules')
const say = process.stdout.write.bind(process.stdout)
process.stdout.write = process.stderr.write.bind(process.stderr)
const express = require(path.join(nm, 'express'))
const { Noco } = require(path.join(nm, 'nocodb'))

async function main () {
  const app = express()
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  process.env.PORT = String(server.address().port)
  app.use(await Noco.init({}, server, app))
  say(`port ${server.address().port}\n`)
}
main().catch((e) => {
  say(`error ${String((e && e.message) || e).split('\n')[0]}\n`)
  process.exit(1)
})
process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
