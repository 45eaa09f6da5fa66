// A real OpenID provider (oidc-provider) for the OAuth tests, on a random loopback port.
//
// Prints one JSON line on stdout once it listens: {"issuer": "http://127.0.0.1:PORT"}.
// Clients:
//   m2m    confidential (client_secret_basic/post), client_credentials only
//   app    public (no secret, PKCE), authorization_code + refresh_token, native loopback redirect
//          http://127.0.0.1/oauth/callback (any port, RFC 8252)
// Dynamic client registration is open (no initial access token); revocation is on.
// Every resource indicator is accepted and gets JWT access tokens whose aud is that resource (RFC 8707).
// Login and consent are approved without a page: /interaction/:uid finishes at once, as the account
// named by login_hint (default "alice"), granting the scopes asked for.
//
// Test-only routes (never part of a real provider):
//   POST /__test/rotate   a new signing key; the old one stays published (tokens signed by it still verify)
//   POST /__test/sign     body {"claims": {...}, "kid"?: "..."}: a JWT signed with the current key
//
// Environment: ACCESS_TOKEN_TTL (seconds, default 600).
import { createServer } from 'node:http';
import { generateKeyPair, exportJWK, SignJWT, importJWK } from 'jose';
import Provider from 'oidc-provider';

const accessTokenTtl = Number(process.env.ACCESS_TOKEN_TTL ?? 600);
const SCOPES = ['openid', 'offline_access', 'mcp', 'mcp:admin', 'files:read', 'files:write', 'profile:dev', 'profile:ops'];

async function newKey(n) {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: `key-${n}-${Date.now().toString(36)}`, alg: 'RS256', use: 'sig' };
}

let keyCount = 0;
const keys = [await newKey(++keyCount)];
let provider;
let issuer;

function configuration() {
  return {
    clients: [
      {
        client_id: 'm2m',
        client_secret: 'm2m-secret-value-for-tests',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        client_id: 'app',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: ['http://127.0.0.1/oauth/callback'],
      },
    ],
    jwks: { keys },
    cookies: { keys: ['oidc-fixture-cookie-key'] },
    scopes: SCOPES,
    claims: { openid: ['sub'], profile: ['name', 'groups'] },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, name: sub, groups: sub === 'alice' ? ['dev'] : ['ops'] }),
    }),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      registration: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => oneOf,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => ({
          scope: SCOPES.filter((s) => s !== 'openid' && s !== 'offline_access').join(' '),
          audience: resource,
          accessTokenTTL: accessTokenTtl,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    // A refresh token for every client allowed to use one, without requiring offline_access.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      AccessToken: accessTokenTtl,
      ClientCredentials: accessTokenTtl,
      RefreshToken: 24 * 3600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // The tests talk to the provider from Java with no browser: keep answers as plain as possible.
    renderError: async (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  };
}

function newProvider() {
  const p = new Provider(issuer, configuration());
  p.on('server_error', (_ctx, err) => console.error('oidc-fixture server_error', err));
  return p;
}

/** Finishes a login or consent prompt at once, granting what the client asked for. */
async function approve(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  const accountId = session?.accountId ?? params.login_hint ?? 'alice';
  if (prompt.name === 'login') {
    await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
    return;
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: params.client_id });
  const missing = prompt.details ?? {};
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function testRoute(req, res) {
  if (req.method === 'POST' && req.url === '/__test/rotate') {
    keys.unshift(await newKey(++keyCount)); // the first key signs; the old ones stay published
    provider = newProvider();
    return json(res, 200, { kid: keys[0].kid });
  }
  if (req.method === 'POST' && req.url === '/__test/sign') {
    const body = await readJson(req);
    const key = keys.find((k) => k.kid === (body.kid ?? keys[0].kid));
    const jwt = await new SignJWT(body.claims)
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: body.typ ?? 'at+jwt' })
      .sign(await importJWK(key, 'RS256'));
    return json(res, 200, { token: jwt });
  }
  return json(res, 404, { error: 'no such test route' });
}

const server = createServer((req, res) => {
  const handle = req.url.startsWith('/__test/') ? testRoute(req, res)
    : req.url.startsWith('/interaction/') ? approve(req, res)
      : provider.callback()(req, res);
  Promise.resolve(handle).catch((err) => {
    console.error('oidc-fixture', err);
    if (!res.headersSent) json(res, 500, { error: 'server_error', error_description: String(err) });
  });
});

server.listen(0, '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  provider = newProvider();
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

// The test that started us holds our stdin; when it goes away, so do we.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
