// The OpenID Connect provider the SSO tests sign in through: the certified `oidc-provider`
// package with its own development login and consent pages, on a loopback port.
//
//   node tests/oidc/provider.mjs '<json config>'   → prints one line {"issuer": "http://127.0.0.1:N"}
//
// Config: {"accounts": {"alice": {"email": ..., "groups": [...]}, ...}}. The login page accepts
// any password (the package's development interactions); only the configured accounts exist.
//
// Test-only control routes under /__test__/ (loopback only, never part of oakdash):
//   PUT  /__test__/accounts/<id>   replace an account's claims (e.g. drop a group between logins)
//   POST /__test__/tamper          {"mode": "aud"|"iss"|"exp"|"sig"|"nonce"|"rotate"|null}:
//                                  re-sign the ID tokens the token endpoint hands out, breaking
//                                  one thing each ("rotate": a new signing key, published in
//                                  the JWKS next to the old one, which stays valid);
//                                  "userinfo": userinfo answers about another subject
//   POST /__test__/reset           accounts and tamper mode back to the start
//   GET  /__test__/stats           how often discovery, JWKS and the token endpoint were asked
import http from 'node:http';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2] || '{}');
const initialAccounts = JSON.stringify(config.accounts || {});
let accounts = JSON.parse(initialAccounts);
let tamper = null;
const stats = { discovery: 0, jwks: 0, token: 0, userinfo: 0 };

async function signingKey(kid) {
  const { privateKey, publicKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const privateJwk = { ...(await jose.exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  const publicJwk = { ...(await jose.exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { privateKey, privateJwk, publicJwk };
}

const primary = await signingKey('primary');
const rotated = await signingKey('rotated');
const impostor = await signingKey('primary'); // same kid, a key the JWKS never published

async function findAccount(ctx, id) {
  if (!Object.hasOwn(accounts, id)) return undefined;
  return {
    accountId: id,
    async claims() {
      return { sub: id, ...accounts[id] };
    },
  };
}

async function resign(idToken, mode, issuer) {
  const claims = jose.decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  let key = primary;
  if (mode === 'aud') claims.aud = 'someone-else';
  if (mode === 'iss') claims.iss = `${issuer}/impostor`;
  if (mode === 'exp') Object.assign(claims, { iat: now - 7200, exp: now - 3600 });
  if (mode === 'nonce') claims.nonce = 'not-the-nonce-that-was-sent';
  if (mode === 'sig') key = impostor;
  if (mode === 'rotate') key = rotated;
  return new jose.SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: key.privateJwk.kid, typ: 'JWT' })
    .sign(key.privateKey);
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
}

async function control(ctx) {
  const path = ctx.path.slice('/__test__'.length);
  if (ctx.method === 'PUT' && path.startsWith('/accounts/')) {
    accounts[decodeURIComponent(path.slice('/accounts/'.length))] = await readJson(ctx.req);
  } else if (ctx.method === 'POST' && path === '/tamper') {
    tamper = (await readJson(ctx.req)).mode || null;
  } else if (ctx.method === 'POST' && path === '/reset') {
    accounts = JSON.parse(initialAccounts);
    tamper = null;
  } else if (ctx.method === 'GET' && path === '/stats') {
    ctx.body = stats;
    return;
  } else {
    ctx.status = 404;
    return;
  }
  ctx.status = 204;
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    findAccount,
    jwks: { keys: [primary.privateJwk] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    features: {
      devInteractions: { enabled: true },
      registration: { enabled: true }, // each test dashboard registers its own redirect URIs
      rpInitiatedLogout: { enabled: true },
    },
    pkce: { required: () => true },
    cookies: { keys: ['oakdash-test-provider-cookie-key'] },
    ttl: { IdToken: 3600, AccessToken: 3600, Session: 3600, Grant: 3600, Interaction: 600 },
  });

  provider.use(async (ctx, next) => {
    if (ctx.path.startsWith('/__test__/')) {
      await control(ctx);
      return;
    }
    if (ctx.path === '/.well-known/openid-configuration') stats.discovery += 1;
    if (ctx.path === '/jwks') stats.jwks += 1;
    if (ctx.path === '/token') stats.token += 1;
    if (ctx.path === '/me') stats.userinfo += 1;
    await next();
    if (ctx.path === '/jwks' && tamper === 'rotate') {
      ctx.body = { keys: [primary.publicJwk, rotated.publicJwk] };
    }
    if (ctx.path === '/me' && tamper === 'userinfo' && ctx.status === 200) {
      ctx.body = { ...ctx.body, sub: 'someone-else' };
    }
    if (ctx.path === '/token' && tamper && tamper !== 'userinfo' && ctx.status === 200 && ctx.body?.id_token) {
      ctx.body = { ...ctx.body, id_token: await resign(ctx.body.id_token, tamper, issuer) };
    }
  });

  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
