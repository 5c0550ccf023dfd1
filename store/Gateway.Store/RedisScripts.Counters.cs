namespace Gateway.Store;

// The Lua functions every counting script starts with (constants: no static initialisation order between the parts).
internal static partial class RedisScripts
{
    private const string Now = """
        local function now_ms()
          local t = redis.call('TIME')
          return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end

        """;

    // What the running script knows of a key: whether it exists, that its expiry is set. Nothing else runs and no key
    // expires while a script runs, so each holds for the rest of the run, and Redis is asked once per run.
    // A counter lives in the slot of its window that now falls in (key:(nowMs / windowMs)), which expires when the
    // window resets.
    //
    // Every count is taken the way a request that is admitted needs fewest calls (#52): the amount is added first
    // (INCRBY answers the new count) and taken back (DECRBY) when that passes the limit, so an admitted request costs
    // one INCRBY per window, counter and budget, with no GET before it and no PTTL after it. A key's expiry is set by
    // the addition that creates it: an INCRBY that answers exactly the amount added may have made the key (or found it
    // at zero), so only then is PTTL asked, and PEXPIRE sent when the key has none. Every key these scripts add to is
    // made by one of them, so a key counting anything but zero already has its expiry.
    //
    // Windows: keys KEYS[k0 + i], arguments limit, window ms, permits at ARGV[a0 + 3i - 2 ...].
    // Counts in every window only when all admit; returns the refused index or -1, and the retry-after ms.
    // A budget: key KEYS[k], arguments amount, limit, window ms at ARGV[a ...]. Reserves the whole
    // amount in the current window's slot or nothing; returns reserved 0|1, the used amount, the resets-in ms and the slot.
    // A settle: key KEYS[k], delta (actual - reserved), window ms and the slot reserved in at ARGV[a ...]. Adds the delta
    // to that slot, never below zero, only while it is the window's current slot (compared here, in the same run); once
    // it has ended nothing changes and it returns -1, else the used amount.
    private const string Counters = Now + """
        local exists, expiring = {}, {}

        -- Reads whether each of KEYS[k0 + 1 .. k0 + count] exists with one EXISTS for those the run has not asked of yet
        -- (none, as a rule, after a batch's first request); when it answers that some but not all do, each is asked alone.
        local function keys_exist(k0, count)
          local unknown
          for i = 1, count do
            if exists[KEYS[k0 + i]] == nil then
              unknown = unknown or {}
              unknown[#unknown + 1] = KEYS[k0 + i]
            end
          end
          if unknown then
            local found = redis.call('EXISTS', unpack(unknown))
            for i = 1, #unknown do
              if found == 0 then
                exists[unknown[i]] = 0
              elseif found == #unknown then
                exists[unknown[i]] = 1
              else
                exists[unknown[i]] = redis.call('EXISTS', unknown[i])
              end
            end
          end
        end

        -- A window's key and the ms until it resets, made once per run for each key, window and instant: the requests of
        -- one batch share their windows' keys, and a key made again is a string formatted and hashed again.
        local slot_keys = {}
        local function slot_of(base, window, now)
          local known = slot_keys[base]
          if known and known[1] == window and known[2] == now then
            return known[3], known[4], known[5]
          end
          local slot = math.floor(now / window)
          local key, resets = base .. ':' .. string.format('%d', slot), (slot + 1) * window - now
          slot_keys[base] = {window, now, key, resets, slot}
          return key, resets, slot
        end

        -- amount and lifetime as the client wrote them (ARGV text): Redis reads the integer it was sent, where a Lua number
        -- would be formatted back into text on every call.
        local function add(key, amount, lifetime)
          local value = redis.call('INCRBY', key, amount)
          exists[key] = 1
          if value == tonumber(amount) and not expiring[key] then
            if redis.call('PTTL', key) < 0 then
              redis.call('PEXPIRE', key, lifetime)
            end
            expiring[key] = true
          end
          return value
        end

        -- Returns the refused window's index (-1: none) and its retry-after ms; a refusal takes back what the windows before
        -- it counted (their keys made again: slot_of remembers them).
        local function acquire(k0, a0, count, now)
          for i = 1, count do
            local key, resets = slot_of(KEYS[k0 + i], tonumber(ARGV[a0 + 3 * i - 1]), now)
            if add(key, ARGV[a0 + 3 * i], resets) > tonumber(ARGV[a0 + 3 * i - 2]) then
              for j = i, 1, -1 do
                redis.call('DECRBY', (slot_of(KEYS[k0 + j], tonumber(ARGV[a0 + 3 * j - 1]), now)), ARGV[a0 + 3 * j])
              end
              return i - 1, resets
            end
          end
          return -1, 0
        end

        -- Returns reserved 0|1, the used amount, the ms until the window resets and the window's slot.
        local function reserve(k, a, now)
          local amount = ARGV[a]
          local key, resets, slot = slot_of(KEYS[k], tonumber(ARGV[a + 2]), now)
          local used = add(key, amount, resets)
          if used > tonumber(ARGV[a + 1]) then
            return 0, redis.call('DECRBY', key, amount), resets, slot
          end
          return 1, used, resets, slot
        end

        -- Counters: keys KEYS[c0 + i], arguments amount, limit (-1: none), lifetime ms at ARGV[b0 + 3i - 2 ...]. Adds every
        -- amount (setting a new counter's expiry) only when each counter stays within its limit; writes each counter's
        -- value into out[o + i] (after the addition, or as it stood when refused) and returns the refused index or -1.
        -- A counter refused an amount its limit could hold is marked exhausted (StoreKeys.CounterExhausted: its key and
        -- ':exhausted', in its slot) with that limit, for the counter's lifetime.
        local function reserve_counters(c0, b0, count, out, o)
          for i = 1, count do
            local limit = tonumber(ARGV[b0 + 3 * i - 1])
            out[o + i] = add(KEYS[c0 + i], ARGV[b0 + 3 * i - 2], ARGV[b0 + 3 * i])
            if limit >= 0 and out[o + i] > limit then
              if tonumber(ARGV[b0 + 3 * i - 2]) <= limit then
                redis.call('SET', KEYS[c0 + i] .. ':exhausted', ARGV[b0 + 3 * i - 1], 'PX', ARGV[b0 + 3 * i])
              end
              for j = 1, i do
                out[o + j] = redis.call('DECRBY', KEYS[c0 + j], ARGV[b0 + 3 * j - 2])
              end
              for j = i + 1, count do
                out[o + j] = tonumber(redis.call('GET', KEYS[c0 + j]) or '0')
              end
              return i - 1
            end
          end
          return -1
        end

        local function settle(k, a, now)
          local key, resets, slot = slot_of(KEYS[k], tonumber(ARGV[a + 1]), now)
          if slot ~= tonumber(ARGV[a + 2]) then
            return -1
          end
          local used = add(key, ARGV[a], resets)
          if used < 0 then
            redis.call('SET', key, '0', 'KEEPTTL')
            used = 0
          end
          return used
        end

        """;
}
