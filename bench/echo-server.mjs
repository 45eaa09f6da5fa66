// The benchmarks' Node echo upstream: the shape the issue 12 figures were taken with ("a minimal Node echo
// upstream"), cheaper per call than the JVM EchoServer (C1 only), so the machine's two cores go to the
// process under test. Same protocol and options as src/test/java/dev/dynamicmcp/bench/EchoServer.java:
//   node echo-server.mjs --stdio [--tools N]             newline-delimited JSON-RPC on stdin/stdout
//   node echo-server.mjs --http PORT [--host H] [--tools N]   Streamable HTTP at /mcp, JSON answers;
//                                                        prints "LISTENING port" (PORT 0 = any free port)
//   --sse   (with --http) answers each request as an event stream of one event, chunked, as the official
//           TypeScript SDK's servers do by default (initialize still gets JSON)
// One tool "echo" (returns its text argument as text content), or N tools (echo, tool_00001, ...) for the
// catalog-size runs. No dependencies: node's own http and readline.
import http from 'node:http';
import readline from 'node:readline';
import { randomUUID } from 'node:crypto';

const PROTOCOL_VERSION = '2025-06-18';
const args = process.argv.slice(2);
let stdio = false, sse = false, port = null, host = '127.0.0.1', toolCount = 1;
for (let i = 0; i < args.length; i++) {
  switch (args[i]) {
    case '--stdio': stdio = true; break;
    case '--sse': sse = true; break;
    case '--http': port = Number(args[++i]); break;
    case '--host': host = args[++i]; break;
    case '--tools': toolCount = Math.max(1, Number(args[++i])); break;
    default: console.error(`echo-server: unknown option ${args[i]}`); process.exit(2);
  }
}

const tools = [];
for (let i = 0; i < toolCount; i++) {
  tools.push({
    name: i === 0 ? 'echo' : `tool_${String(i).padStart(5, '0')}`,
    description: `Echoes its text argument back (benchmark tool ${i}).`,
    inputSchema: {
      type: 'object',
      properties: { text: { type: 'string', description: 'what to echo' } },
      required: ['text'],
    },
  });
}
const toolsList = { tools };

const error = (id, code, message) => ({ jsonrpc: '2.0', id, error: { code, message } });
const result = (id, value) => ({ jsonrpc: '2.0', id, result: value });

/** The answer to one message, or null for a notification or a response. */
function handle(message) {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return null;
  const { id, method } = message;
  if (id === undefined || method === undefined) return null;
  switch (method) {
    case 'initialize':
      return result(id, {
        protocolVersion: message.params?.protocolVersion ?? PROTOCOL_VERSION,
        capabilities: { tools: {} },
        serverInfo: { name: 'bench-echo', version: '1.0.0' },
      });
    case 'ping': return result(id, {});
    case 'tools/list': return result(id, toolsList);
    case 'tools/call': {
      const text = message.params?.arguments?.text;
      return result(id, { content: [{ type: 'text', text: typeof text === 'string' ? text : '' }] });
    }
    default: return error(id, -32601, `Method not found: ${method}`);
  }
}

function parse(text) {
  try {
    return { message: JSON.parse(text) };
  } catch {
    return { failed: error(null, -32700, 'parse error') };
  }
}

if (stdio) {
  // answers in order on the one thread: echo never blocks
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    const { message, failed } = parse(line);
    const answer = failed ?? handle(message);
    if (answer) process.stdout.write(JSON.stringify(answer) + '\n');
  });
  lines.on('close', () => process.exit(0));
} else if (port !== null) {
  const sessions = new Set();
  const respond = (res, status, body, session) => {
    const bytes = Buffer.from(JSON.stringify(body));
    const headers = { 'Content-Type': 'application/json', 'Content-Length': bytes.length };
    if (session) headers['Mcp-Session-Id'] = session;
    res.writeHead(status, headers).end(bytes);
  };
  const server = http.createServer({ noDelay: true }, (req, res) => {
    const session = req.headers['mcp-session-id'];
    if (req.url.split('?')[0] !== '/mcp') {
      res.writeHead(404).end();
    } else if (req.method === 'DELETE') {
      res.writeHead(session !== undefined && sessions.delete(session) ? 200 : 404).end();
    } else if (req.method !== 'POST') { // no server-initiated stream: the spec allows 405 for GET
      res.writeHead(405, { Allow: 'POST, DELETE' }).end();
    } else {
      const chunks = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', () => {
        const { message, failed } = parse(Buffer.concat(chunks).toString('utf8'));
        if (failed) return respond(res, 400, failed);
        let created = null;
        if (message?.method === 'initialize') {
          created = randomUUID();
          sessions.add(created);
        } else if (session === undefined) {
          return respond(res, 400, error(null, -32600, 'Mcp-Session-Id required'));
        } else if (!sessions.has(session)) {
          return respond(res, 404, error(null, -32600, 'unknown session'));
        }
        const answer = handle(message);
        if (answer === null) res.writeHead(202).end();
        else if (sse && created === null) {
          res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' })
            .end(`event: message\ndata: ${JSON.stringify(answer)}\n\n`);
        } else respond(res, 200, answer, created);
      });
    }
  });
  // Node closes an idle keep-alive connection after 5 s by default; the proxy's pooled connections to this
  // upstream idle between cells, and a POST sent as the server closes its connection would fail. 0: never.
  server.keepAliveTimeout = 0;
  server.listen(port, host, () => console.log(`LISTENING ${server.address().port}`));
} else {
  console.error('usage: echo-server.mjs --stdio | --http PORT [--host H] [--sse] [--tools N]');
  process.exit(2);
}
