import { luaRefuseLate, luaScript } from './client.ts';
import { luaAppendEvents } from './outbox.ts';

/*
 * The session repository's Lua scripts. Redis runs a script alone, so each one is a transaction:
 * every check happens before the first write (a script that fails half-way keeps its writes).
 *
 * Write scripts take ARGV = [deadline, n, event JSON × n, ...own arguments]: past the deadline
 * (server time, see callerDeadline) they refuse to run, since their caller has given up; `arg(i)`
 * is the i-th own argument, and appendEvents XADDs the n events to the outbox stream in the same
 * script. Times are epoch milliseconds; `now` is the server's.
 */
const prelude = `${luaAppendEvents}${luaRefuseLate}
local nEvents = tonumber(ARGV[2])
local function arg(i) return ARGV[nEvents + 2 + i] end
local function int(n) return string.format('%d', n) end
-- Keys outlive the session's end by the retention (an ended session stays readable), counted
-- from the server's clock when the end is already past.
local function keepUntil(t, retention) return math.max(t, now) + retention end
local function extendTo(key, at)
  local current = redis.call('PEXPIRETIME', key)
  if current == -1 or current < at then redis.call('PEXPIREAT', key, int(at)) end
end
local function shortenTo(key, at)
  local current = redis.call('PEXPIRETIME', key)
  if current == -1 or current > at then redis.call('PEXPIREAT', key, int(at)) end
end
-- A user's index lives as long as its longest-lived session; members whose session is gone are
-- dropped here, on create and revoke, so it holds only sessions that still exist.
local function refitIndex(indexKey, sessionPrefix)
  local latest = 0
  for _, member in ipairs(redis.call('ZRANGE', indexKey, 0, -1)) do
    local expiry = redis.call('PEXPIRETIME', sessionPrefix .. member)
    if expiry == -2 then redis.call('ZREM', indexKey, member) else latest = math.max(latest, expiry) end
  end
  if latest > 0 then redis.call('PEXPIREAT', indexKey, int(latest)) end
end
-- The revoked index keeps only its window: older entries go on every write, and the whole key
-- expires a window after the last revocation.
local function markRevoked(revokedKey, id, at, window)
  redis.call('ZADD', revokedKey, int(at), id)
  redis.call('ZREMRANGEBYSCORE', revokedKey, '-inf', '(' .. int(now - window))
  extendTo(revokedKey, math.max(at, now) + window)
end
`;

/**
 * KEYS: session, refresh(hash), userSessions, outbox, revokedSessions.
 * Own args: id, expiresAt, revokedAt or '', retentionMs, revokedWindowMs, sessionKeyPrefix, fields…
 */
export const createScript = luaScript(`${prelude}
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then
  return redis.error_reply('ERR session id or refresh hash already stored')
end
local id, revokedAt, retention = arg(1), arg(3), tonumber(arg(4))
local keep = keepUntil(tonumber(arg(2)), retention)
if revokedAt ~= '' then keep = math.min(keep, keepUntil(tonumber(revokedAt), retention)) end
redis.call('HSET', KEYS[1], unpack(ARGV, nEvents + 9))
redis.call('PEXPIREAT', KEYS[1], int(keep))
redis.call('SET', KEYS[2], id, 'PXAT', int(keep))
redis.call('ZADD', KEYS[3], redis.call('HGET', KEYS[1], 'createdAt'), id)
refitIndex(KEYS[3], arg(6))
if revokedAt ~= '' then markRevoked(KEYS[5], id, tonumber(revokedAt), tonumber(arg(5))) end
appendEvents(KEYS[4], 3, nEvents)
return 1`);

/**
 * Compare-and-set of the current refresh hash. KEYS: session, refresh(from), refresh(to),
 * rotated(from), outbox. Own args: id, fromHash, toHash, at, expiresAt, retentionMs,
 * userSessionsKeyPrefix. Returns the updated session (HGETALL), or nil when `from` is not current
 * or the session is not active at `at`.
 */
export const rotateScript = luaScript(`${prelude}
local s = redis.call('HMGET', KEYS[1], 'refreshHash', 'revokedAt', 'expiresAt', 'userId')
local at = tonumber(arg(4))
if s[1] ~= arg(2) or s[2] or tonumber(s[3]) <= at then return false end
if redis.call('EXISTS', KEYS[3]) == 1 then return redis.error_reply('ERR refresh hash already stored') end
local keep = keepUntil(tonumber(arg(5)), tonumber(arg(6)))
redis.call('HSET', KEYS[1], 'refreshHash', arg(3), 'lastUsedAt', arg(4), 'rotatedAt', arg(4), 'expiresAt', arg(5))
redis.call('PEXPIREAT', KEYS[1], int(keep))
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[3], arg(1), 'PXAT', int(keep))
redis.call('HSET', KEYS[4], 'sessionId', arg(1), 'rotatedAt', arg(4))
redis.call('PEXPIREAT', KEYS[4], int(keep))
extendTo(arg(7) .. s[4], keep)
appendEvents(KEYS[5], 3, nEvents)
return redis.call('HGETALL', KEYS[1])`);

/**
 * Revokes an active session. KEYS: session, revokedSessions, outbox. Own args: id, reason, at,
 * expectedRefreshHash, retentionMs, revokedWindowMs, refreshKeyPrefix, sessionKeyPrefix,
 * userSessionsKeyPrefix. Returns 1 when revoked,
 * 0 when not active (or unknown), -1 when the session rotated since the caller read it.
 */
export const revokeScript = luaScript(`${prelude}
local s = redis.call('HMGET', KEYS[1], 'refreshHash', 'revokedAt', 'expiresAt', 'userId')
local at = tonumber(arg(3))
if not s[1] or s[2] or tonumber(s[3]) <= at then return 0 end
-- The caller built the events from the record it read; after a rotation they describe an older state.
if s[1] ~= arg(4) then return -1 end
redis.call('HSET', KEYS[1], 'revokedAt', arg(3), 'revokeReason', arg(2))
-- A revoked session can never be used again: keep it only for the retention, not until expiry.
local keep = keepUntil(at, tonumber(arg(5)))
shortenTo(KEYS[1], keep)
shortenTo(arg(7) .. s[1], keep)
refitIndex(arg(9) .. s[4], arg(8))
markRevoked(KEYS[2], arg(1), at, tonumber(arg(6)))
appendEvents(KEYS[3], 3, nEvents)
return 1`);

/**
 * Read-only, one snapshot (a rotation cannot slip between the two lookups). KEYS: refresh(hash),
 * rotated(hash). ARGV: sessionKeyPrefix. Returns {'current', fields} | {'rotated', fields, rotatedAt} | nil.
 */
export const findByHashScript = luaScript(`
local id = redis.call('GET', KEYS[1])
if id then
  local s = redis.call('HGETALL', ARGV[1] .. id)
  if #s > 0 then return {'current', s} end
  return false
end
local r = redis.call('HMGET', KEYS[2], 'sessionId', 'rotatedAt')
if not r[1] then return false end
local s = redis.call('HGETALL', ARGV[1] .. r[1])
if #s == 0 then return false end
return {'rotated', s, r[2]}`);

/** Read-only. KEYS: userSessions. ARGV: sessionKeyPrefix. Returns the fields of every stored session, newest first. */
export const userSessionsScript = luaScript(`
local out = {}
for _, id in ipairs(redis.call('ZREVRANGE', KEYS[1], 0, -1)) do
  local s = redis.call('HGETALL', ARGV[1] .. id)
  if #s > 0 then out[#out + 1] = s end
end
return out`);

/**
 * Deletes the given sessions that ended before ARGV[1] with their current-hash key and index
 * entry. KEYS: session keys. ARGV: before, refreshKeyPrefix, userSessionsKeyPrefix. Rotated-hash
 * keys are left to their TTL: they resolve to nothing once their session is gone.
 */
export const purgeScript = luaScript(`
local purged = 0
for _, key in ipairs(KEYS) do
  local s = redis.call('HMGET', key, 'id', 'userId', 'refreshHash', 'revokedAt', 'expiresAt')
  local endedAt = tonumber(s[4] or s[5])
  if s[1] and endedAt and endedAt < tonumber(ARGV[1]) then
    redis.call('DEL', key, ARGV[2] .. s[3])
    redis.call('ZREM', ARGV[3] .. s[2], s[1])
    purged = purged + 1
  end
end
return purged`);
