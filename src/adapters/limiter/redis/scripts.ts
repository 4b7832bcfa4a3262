/**
 * The Lua run inside Redis: each script reads, decides and writes one key atomically, so N
 * processes share one bucket (or one loop log) with one round trip per decision.
 *
 * Time comes in as an argument (the calling process's clock), never from Redis TIME: tests inject
 * a clock, and the decision is the same pure function the memory adapter runs (core/limits/gcra.ts).
 * The cost is that nodes need synchronised clocks (NTP); see docs/deployment.md.
 *
 * Numbers: Lua numbers are doubles, and Redis turns a Lua number handed to redis.call into text
 * with 14 significant digits, which would round a timestamp. So values are written with
 * string.format: '%.0f' for whole ticks, '%.17g' for milliseconds.
 */
import { luaScript } from '../../pubsub/redis/redis-bus.ts';

/**
 * GCRA, in ticks of 1/1024 ms (whole numbers below 2^53, exact in a double), exactly as gcra.ts.
 * KEYS[1] the bucket; ARGV: now, emission interval t, bucket span tau (all in ticks), cost,
 * burst, extra ms to keep an idle bucket. Returns {written (0|1), previous TAT in ticks or ''}:
 * the caller rebuilds the decision with gcra() from the state the script saw.
 */
export const GCRA = luaScript(`
local now = tonumber(ARGV[1])
local t = tonumber(ARGV[2])
local tau = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local burst = tonumber(ARGV[5])
local grace = tonumber(ARGV[6])
local prev = redis.call('GET', KEYS[1])
local tat = now
if prev then
  local p = tonumber(prev)
  if p and p > now then tat = p end
end
-- More than one bucket ahead: the clock stepped back, or the rule shrank. Read it as empty.
if tat - now > tau then tat = now + tau end
if cost == 0 or cost > burst then return {0, prev or ''} end
local newTat = tat + cost * t
if newTat - tau > now then return {0, prev or ''} end
-- The key lives until the bucket is full again (then it is the same as no key), plus grace.
redis.call('SET', KEYS[1], string.format('%.0f', newTat), 'PX', math.ceil((newTat - now) / 1024) + grace)
return {1, prev or ''}
`);

/** Shared by the two loop scripts: the sliding log of memory-loop-detector.ts's record(). */
const RECORD = `
local function parse(raw)
  local times = {}
  if raw then for v in string.gmatch(raw, '[^,]+') do times[#times + 1] = tonumber(v) end end
  return times
end
-- Writes now over the oldest of width times; returns how many, now included, are within the window.
local function record(times, width, now, window)
  local oldest = 1
  local count = 1
  for i = 1, width do
    local v = times[i] or -math.huge
    times[i] = v
    if v < times[oldest] then oldest = i end
    if v > now - window then count = count + 1 end
  end
  times[oldest] = now
  return math.min(count, width)
end
local function serialize(times)
  local out = {}
  for _, v in ipairs(times) do
    if v ~= -math.huge then out[#out + 1] = string.format('%.17g', v) end
  end
  return table.concat(out, ',')
end
`;

/** KEYS[1] the fingerprint's log; ARGV: now, windowMs, width (maxRepeats + 1), grace ms. Returns the count. */
export const LOOP_HIT = luaScript(`${RECORD}
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local width = tonumber(ARGV[3])
local times = parse(redis.call('GET', KEYS[1]))
local count = record(times, width, now, window)
redis.call('SET', KEYS[1], serialize(times), 'PX', window + tonumber(ARGV[4]))
return count
`);

/**
 * KEYS[1] the key's strike hash (t: log, r: quarantines so far, q: last quarantine's end).
 * ARGV: now, strikes, strikeWindowMs, forgetMs, quarantineMs, maxQuarantineMs, grace ms.
 * Returns {quarantine ms or -1, strikes}.
 */
export const LOOP_STRIKE = luaScript(`${RECORD}
local now = tonumber(ARGV[1])
local width = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local forget = tonumber(ARGV[4])
local base = tonumber(ARGV[5])
local cap = tonumber(ARGV[6])
local grace = tonumber(ARGV[7])
local state = redis.call('HMGET', KEYS[1], 't', 'r', 'q')
local times = parse(state[1])
local repeats = tonumber(state[2] or '0') or 0
local until_ = tonumber(state[3] or '')
local strikes = record(times, width, now, window)
if strikes < width then
  redis.call('HSET', KEYS[1], 't', serialize(times))
  local keep = window
  if until_ then keep = math.max(keep, until_ + forget - now) end
  redis.call('PEXPIRE', KEYS[1], math.ceil(keep) + grace)
  return {-1, strikes}
end
if until_ == nil or now - until_ >= forget then repeats = 0 end
local q = math.min(cap, base * 2 ^ repeats)
until_ = now + q
-- The quarantine settles these strikes; the next one needs a fresh run of detections.
redis.call('HSET', KEYS[1], 't', '', 'r', repeats + 1, 'q', string.format('%.17g', until_))
redis.call('PEXPIRE', KEYS[1], math.ceil(math.max(window, q + forget)) + grace)
return {q, strikes}
`);
