// Okta's official Node SDK (@okta/okta-sdk-nodejs), unmodified, against the embedded org.
// Run by conformance/run.sh with ORG_URL and OKTA_TOKEN set.
import crypto from 'node:crypto';
import okta from '@okta/okta-sdk-nodejs';

const client = new okta.Client({ orgUrl: process.env.ORG_URL, token: process.env.OKTA_TOKEN, cacheMiddleware: null });
const failures = [];
const check = (ok, what) => { console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`); if (!ok) failures.push(what); };
const PASSWORD = 'Tr0ub4dor&3x-js';
const body = (n, password = true) => ({
  profile: { firstName: 'Js', lastName: `Person${n}`, email: `js${n}@example.com`, login: `js${n}@example.com` },
  ...(password ? { credentials: { password: { value: PASSWORD } } } : {}),
});
const errorCode = async (promise) => { try { await promise; return null; } catch (e) { return e.errorCode ?? String(e); } };

const staged = await client.userApi.createUser({ body: body(1, false), activate: false });
check(staged.status === 'STAGED', 'create without activation -> STAGED');
const active = await client.userApi.createUser({ body: body(2), activate: true });
check(active.status === 'ACTIVE', 'create with password and activation -> ACTIVE');
check((await client.userApi.getUser({ userId: active.id })).profile.login === 'js2@example.com', 'get user');

const all = [];
for await (const u of await client.userApi.listUsers({ limit: 3 })) all.push(u.id);
check(all.length === 16 && new Set(all).size === 16, `page through all users by Link (got ${all.length})`);
const searched = [];
for await (const u of await client.userApi.listUsers({ search: 'profile.lastName eq "Person2"' })) searched.push(u.id);
check(searched.length === 1 && searched[0] === active.id, 'search');

await client.userApi.activateUser({ userId: staged.id, sendEmail: false });
const id = active.id;
for (const [op, want] of [['suspendUser', 'SUSPENDED'], ['unsuspendUser', 'ACTIVE'], ['expirePassword', 'PASSWORD_EXPIRED']]) {
  await client.userApi[op]({ userId: id });
  check((await client.userApi.getUser({ userId: id })).status === want, `${op} -> ${want}`);
}
await client.userApi.generateResetPasswordToken({ userId: id, sendEmail: false });
check((await client.userApi.getUser({ userId: id })).status === "RECOVERY", "generateResetPasswordToken -> RECOVERY");
await client.userApi.changePassword({ userId: id, changePasswordRequest: { oldPassword: { value: PASSWORD }, newPassword: { value: 'N3w-Passw0rd-js' } } });
check((await client.userApi.getUser({ userId: id })).status === 'ACTIVE', 'changePassword -> ACTIVE');
await client.userApi.revokeUserSessions({ userId: id });
check(true, 'revoke sessions');

check(await errorCode(client.userApi.unlockUser({ userId: id })) === 'E0000032', 'unlock refused with E0000032');
check(await errorCode(client.userApi.getUser({ userId: '00unotarealuser00000' })) === 'E0000007', 'unknown user -> E0000007');
check(await errorCode(client.userApi.createUser({ body: body(2) })) === 'E0000001', 'duplicate login -> E0000001');

const group = await client.groupApi.createGroup({ group: { profile: { name: 'Js SDK Group' } } });
check(group.type === 'OKTA_GROUP', 'create group');
await client.groupApi.assignUserToGroup({ groupId: group.id, userId: id });
const members = [];
for await (const m of await client.groupApi.listGroupUsers({ groupId: group.id })) members.push(m.id);
check(members.length === 1 && members[0] === id, 'list members');
await client.groupApi.unassignUserFromGroup({ groupId: group.id, userId: id });
const after = [];
for await (const m of await client.groupApi.listGroupUsers({ groupId: group.id })) after.push(m.id);
check(after.length === 0, 'remove member');
await client.groupApi.deleteGroup({ groupId: group.id });

await client.userApi.deactivateUser({ userId: id });
check((await client.userApi.getUser({ userId: id })).status === 'DEPROVISIONED', 'deactivate -> DEPROVISIONED');
await client.userApi.deleteUser({ userId: id });
check(await errorCode(client.userApi.getUser({ userId: id })) === 'E0000007', 'delete deactivated user');

// OAuth 2.0 service app (private_key_jwt) with only okta.users.read.
const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'node-k1' };
const registered = await (await fetch(`${process.env.ORG_URL}/__devorg/control/service_apps`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${process.env.CONTROL_TOKEN}` },
  // The Node SDK is configured without DPoP here, so the app does not require it.
  body: JSON.stringify({ name: 'node sdk', jwks: { keys: [jwk] }, scopes: ['okta.users.read'], require_dpop: false }),
})).json();
const oauth = new okta.Client({
  orgUrl: process.env.ORG_URL, authorizationMode: 'PrivateKey', clientId: registered.client_id,
  scopes: ['okta.users.read'], privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }), keyId: 'node-k1',
  cacheMiddleware: null,
});
check((await oauth.userApi.getUser({ userId: staged.id })).id === staged.id, 'OAuth (private_key_jwt) token reads a user');
check(await errorCode(oauth.userApi.createUser({ body: body(3) })) === 'E0000006', 'OAuth token without okta.users.manage is refused');

console.log(`node sdk: ${failures.length} failure(s)`);
process.exit(failures.length ? 1 : 0);
