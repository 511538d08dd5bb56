// Runs Node-RED (from the npm cache) embedded in an HTTP server on
// 127.0.0.1 and a free port, with USER_DIR as its userdir, the admin API at
// /, no editor login, and prints "port N" once it listens. It stops when its
// standard input closes (its parent died or is done), so a killed test never
// leaves a Node-RED behind.
//   node nodered.js MODULE_DIR USER_DIR
const http = require('node:http')
const path = require('node:path')
const [moduleDir, userDir] = process.argv.slice(2)
const nm = path.join(moduleDir, 'node_modules')
const RED = require(path.join(nm, 'node-red'))
const express = require(path.join(nm, 'express'))

const app = express()
const server = http.createServer(app)
const settings = {
  userDir,
  flowFile: 'flows.json',
  flowFilePretty: true,
  credentialSecret: 'tidemark-test-secret',
  httpAdminRoot: '/',
  httpNodeRoot: '/api',
  uiHost: '127.0.0.1',
  // Logs go to stderr: stdout says only "port N" (or "error ...").
  logging: {
    console: { level: 'off' },
    stderr: {
      level: 'warn',
      metrics: false,
      audit: false,
      handler: () => (msg) => process.stderr.write(`node-red: ${msg.msg}\n`)
    }
  },
  contextStorage: { default: { module: 'localfilesystem' } },
  editorTheme: { tours: false, projects: { enabled: false } },
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
  telemetry: { enabled: false },
  diagnostics: { enabled: false }
}
RED.init(server, settings)
app.use(settings.httpAdminRoot, RED.httpAdmin)
app.use(settings.httpNodeRoot, RED.httpNode)

let stopping = false
function stop (code) {
  if (stopping) return
  stopping = true
  RED.stop().catch(() => {}).finally(() => server.close(() => process.exit(code)))
  setTimeout(() => process.exit(code), 5000).unref()
}
process.stdin.on('end', () => stop(0))
process.stdin.on('close', () => stop(0))
process.stdin.resume()

server.listen(0, '127.0.0.1', () => {
  RED.start().then(() => {
    process.stdout.write(`port ${server.address().port}\n`)
  }).catch((err) => {
    process.stdout.write(`error ${err && err.message}\n`)
    stop(1)
  })
})
