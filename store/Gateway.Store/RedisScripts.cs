using StackExchange.Redis;

namespace Gateway.Store;

/// <summary>
/// The Lua scripts behind <see cref="RedisStateStore"/>'s compound operations, prepared once per
/// process: each runs atomically on the server in one round trip (sent by SHA once the server knows
/// it, and reloaded by StackExchange.Redis after a <c>NOSCRIPT</c>). Window slots use the server's
/// clock (<c>TIME</c>) so that every replica agrees; the slot key is <c>key:(nowMs / windowMs)</c>,
/// as in <see cref="InMemoryStateStore"/>.
/// </summary>
internal static partial class RedisScripts
{
    // A decision token's step: KEYS[tk] its record, KEYS[tk + 1 ...] its generation counters, then the presented
    // token's record when asked; ARGV[ta] the record's lifetime ms, ARGV[ta + 1] the counter count, ARGV[ta + 2] consume
    // 0|1. Sets the record to 'issued' only when absent (SET NX: a record used before stays used, its expiry unchanged;
    // not sent for a key the run knows exists: the nonce's record, which the gateway makes the token's, just stored),
    // reads each counter (once per script run: nothing increments one during it) and sets a presented record from
    // 'issued' to 'used' keeping its expiry (read afresh each time, so that two requests of one run cannot both use it).
    // Writes into out[o] the consumption code (0 nothing asked, 1 consumed, 2 already used, 3 no record), then into
    // out[o + 1 ...] the generations (token_slots of them, 0 beyond those asked). Needs Counters (exists).
    private static readonly string TokenStep = $$"""
        local token_slots = {{TokenRecording.MaxGenerationKeys}}
        local generations = {}

        local function token_step(tk, ta, out, o)
          local counters = tonumber(ARGV[ta + 1])
          if exists[KEYS[tk]] ~= 1 then
            redis.call('SET', KEYS[tk], 'issued', 'NX', 'PX', ARGV[ta])
            exists[KEYS[tk]] = 1
          end
          local unread
          for i = 1, counters do
            if generations[KEYS[tk + i]] == nil then
              unread = unread or {}
              unread[#unread + 1] = KEYS[tk + i]
            end
          end
          if unread then
            local values = redis.call('MGET', unpack(unread))
            for i = 1, #unread do
              generations[unread[i]] = tonumber(values[i] or '0')
            end
          end
          for i = 1, counters do
            out[o + i] = generations[KEYS[tk + i]]
          end
          for i = counters + 1, token_slots do
            out[o + i] = 0
          end
          out[o] = 0
          if tonumber(ARGV[ta + 2]) == 1 then
            local record = KEYS[tk + counters + 1]
            local state = redis.call('GET', record)
            if state == 'issued' then
              redis.call('SET', record, 'used', 'KEEPTTL')
              out[o] = 1
            elseif state == 'used' then
              out[o] = 2
            else
              out[o] = 3
            end
          end
        end

        """;

    /// <summary>
    /// The decision-token step alone, for an admission whose budget was reserved by a call of its own (see
    /// <see cref="Admit"/>): KEYS the token's record, its generation keys, the presented token's record; ARGV the
    /// record's lifetime ms, the generation count, consume 0|1. Returns {consumption code, then
    /// <see cref="TokenRecording.MaxGenerationKeys"/> generations}, as the tail of <see cref="Admit"/>'s reply.
    /// </summary>
    public static LuaScript RecordToken { get; } = LuaScript.Prepare(Counters + TokenStep + """
        local out = {}
        token_step(1, 1, out, 1)
        return out
        """);

    /// <summary>KEYS[1]: counter; ARGV: delta, expiry ms (0 = none). Expiry only when created.</summary>
    public static LuaScript Increment { get; } = LuaScript.Prepare("""
        local existed = redis.call('EXISTS', KEYS[1])
        local value = redis.call('INCRBY', KEYS[1], ARGV[1])
        local ttl = tonumber(ARGV[2])
        if existed == 0 and ttl > 0 then
          redis.call('PEXPIRE', KEYS[1], ttl)
        end
        return value
        """);

    // The admission step of Admit and AppendAdmit: admit(k, a, now) decides the batch whose request count is ARGV[a], its
    // requests' arguments following it and their keys following KEYS[k], at the instant now; returns the reply text.
    private static readonly string AdmitStep = $$"""
        local counter_slots = {{AdmissionRequest.MaxCounters}}
        local reply_codes = {[-2] = '-2', [-1] = '-1', [0] = '0', [1] = '1', [2] = '2', [3] = '3'}
        -- What a request whose token step did not run answers for it, and one whose counters were not tried for them.
        local token_none_text = '-1' .. string.rep(' 0', token_slots)
        local counters_none_text = '-2' .. string.rep(' 0', counter_slots)
        -- A request's token step and counters write here (every slot each time), read back as its reply is written.
        local token_out, counter_out = {}, {}

        local function admit(k, a, now)
        -- The reply's values as text, in order: each request's written when it is decided, so that no table of numbers
        -- is filled out of order and formatted after. Most values are small codes: their text is looked up.
        local parts, n = {}, 0
        local function put(value)
          n = n + 1
          parts[n] = reply_codes[value] or string.format('%d', value)
        end
        local count = tonumber(ARGV[a])
        for r = 0, count - 1 do
          local nonce = KEYS[k + 1]
          local switches = tonumber(ARGV[a + 3])
          local windows = tonumber(ARGV[a + 4])
          local budget = tonumber(ARGV[a + 5])
          local token = tonumber(ARGV[a + 6])
          local counters = tonumber(ARGV[a + 7])
          local stopping = tonumber(ARGV[a + 8])
          local ca = a + 8 + 3 * windows
          local ba = ca + 1 + 3 * counters
          local ta = ba + 3 * budget
          local ck = k + 1 + switches + windows
          local tk = ck + 1 + counters + budget
          local gens = token == 1 and tonumber(ARGV[ta + 1]) or 0
          local consume = token == 1 and tonumber(ARGV[ta + 2]) or 0
          local fresh, mask, stopped, refused, retry, counted = 0, 0, false, -1, 0, -2
          local reserved, used, resets, slot = -1, 0, 0, 0
          local stored = exists[nonce] ~= 1 and redis.call('SET', nonce, ARGV[a + 1], 'NX', 'PX', ARGV[a + 2])
          exists[nonce] = 1
          if stored then
            fresh = 1
            expiring[nonce] = true
            if switches > 0 then
              keys_exist(k + 1, switches)
              for i = 1, switches do
                if exists[KEYS[k + 1 + i]] == 1 then
                  mask = mask + 2 ^ (i - 1)
                  -- A stopping switch (bit i - 1 of stopping) refuses the request: nothing below is acquired or reserved.
                  stopped = stopped or math.floor(stopping / 2 ^ (i - 1)) % 2 == 1
                end
              end
            end
            if windows > 0 and not stopped then
              refused, retry = acquire(k + 1 + switches, a + 8, windows, now)
            end
            if counters > 0 and refused < 0 and not stopped then
              counted = reserve_counters(ck, ca, counters, counter_out, 0)
            end
            if budget == 1 and refused < 0 and counted < 0 and not stopped then
              reserved, used, resets, slot = reserve(ck + counters + 1, ba, now)
            end
          end
          put(fresh)
          put(mask)
          put(refused)
          put(retry)
          put(reserved)
          put(used)
          put(resets)
          put(slot)
          if fresh == 1 and not stopped and token == 1 and refused < 0 and counted < 0 and reserved ~= 0 then
            token_step(tk, ta, token_out, 1)
            for i = 1, 1 + token_slots do
              put(token_out[i])
            end
          else
            n = n + 1
            parts[n] = token_none_text
          end
          if counted == -2 then
            n = n + 1
            parts[n] = counters_none_text
          else
            put(counted)
            for i = 1, counter_slots do
              put(i <= counters and counter_out[i] or 0)
            end
          end
          k = k + 1 + switches + windows + counters + budget + (token == 1 and (1 + gens + consume) or 0)
          a = a + 8 + 3 * windows + 3 * counters + 3 * budget + 3 * token
        end
        -- One bulk string, not an array: each element of an array reply is an object of its own to the client (#52).
        return table.concat(parts, ' ')
        end

        """;

    /// <summary>
    /// The admission step, for a batch of requests (one request when admissions are not batched), each decided in
    /// order as if alone (a nonce stored by an earlier request of the batch makes a later one a replay; a refusal counts
    /// in no window and reserves nothing), all at one instant: the server's clock is read once. Per request: the nonce is
    /// stored only when absent (else nothing else is read or counted); its kill-switch keys are read, and when one of its
    /// stopping switches (<see cref="AdmissionRequest.StoppingSwitches"/>) is on nothing else is acquired, reserved or
    /// recorded (the reply admits, with the switches' mask: the caller refuses on it); its windows acquired
    /// all-or-nothing; its counters reserved in all-or-nothing only when every window admitted; its budget reserved only
    /// when the counters were too; and its decision-token step run only when every window admitted, the
    /// counters and the budget (when asked) were reserved: the token's record set to <c>issued</c> for its lifetime when
    /// absent (<c>SET NX</c>: a record already there keeps its value and expiry), the generation counters read, and a
    /// presented token's record set from <c>issued</c> to <c>used</c> (keeping its expiry).
    /// ARGV[1]: the number of requests; then per request: nonce value, nonce lifetime ms, switch count, window count,
    /// budget 0|1, token 0|1, counter count, stopping switches' bit mask, then limit, window ms, permits per window,
    /// then amount, limit (-1: none), lifetime ms per counter, then the budget's amount, limit and window ms, then the
    /// token's record lifetime ms, generation count and consume 0|1.
    /// KEYS per request: the nonce, its kill-switch keys, its windows' keys, its counters' keys, its budget's key, the
    /// token's record key, its generation keys and the presented token's record key.
    /// Returns one bulk string of decimal integers separated by spaces (<see cref="RedisStateStore"/> reads it without an
    /// object per value), per request <see cref="ReplyLength"/> of them: {fresh 0|1, switches bit mask, refused index or
    /// -1, retry-after ms, budget -1 (not asked or not tried) | 0 (refused) | 1 (reserved), budget used, budget resets-in
    /// ms, budget slot, token -1 (not asked or not run) | 0 (recorded, nothing to consume) | 1 (consumed) | 2 (already used) | 3 (no
    /// record to consume), then <see cref="TokenRecording.MaxGenerationKeys"/> generations (0 beyond those asked), then
    /// counters -2 (not asked or not tried) | -1 (reserved) | the refused counter's index, then
    /// <see cref="AdmissionRequest.MaxCounters"/> counter values (0 beyond those asked)}.
    /// </summary>
    /// <remarks>
    /// What the script has read of a key (whether it exists, that its expiry is set, a generation) is asked of Redis once
    /// per batch, not once per request, and counts are added without being read first: requests of one agent or tenant
    /// share their switch, window, budget and generation keys, so an admitted request costs one <c>SET</c> for the nonce,
    /// one <c>INCRBY</c> per window, counter and budget and one <c>SET</c> for the token's record unless it is the nonce's
    /// (the gateway's: then none), and a batch one
    /// <c>TIME</c>, one <c>EXISTS</c> for its switch keys (each alone only when some but not all are set) and one
    /// <c>MGET</c> for its generation keys; a refused count costs a <c>DECRBY</c> per count taken back. A presented
    /// token's record is read afresh each time (one <c>GET</c>, and one <c>SET ... KEEPTTL</c> when used), so that two
    /// requests of one batch cannot both use it.
    /// </remarks>
    public static LuaScript Admit { get; } = LuaScript.Prepare(Counters + TokenStep + AdmitStep + """
        return admit(0, 1, now_ms())
        """);

    /// <summary>The values <see cref="Admit"/> returns per request.</summary>
    public const int ReplyLength = 10 + TokenRecording.MaxGenerationKeys + AdmissionRequest.MaxCounters;

    /// <summary>Where a request's counter reply starts in its <see cref="Admit"/> reply (the code; the values follow).</summary>
    public const int CounterReplyOffset = 9 + TokenRecording.MaxGenerationKeys;

    /// <summary>KEYS[1]: budget; ARGV: amount, limit, window ms. Returns {reserved 0|1, used, resets-in ms, slot}.</summary>
    public static LuaScript Reserve { get; } = LuaScript.Prepare(Counters + """
        return {reserve(1, 1, now_ms())}
        """);

    /// <summary>
    /// KEYS[1]: budget; ARGV: delta (actual - reserved), window ms, the slot reserved in. Returns the used amount, clamped
    /// at 0, or -1 when that slot is no longer the current one (nothing settled).
    /// </summary>
    public static LuaScript Settle { get; } = LuaScript.Prepare(Counters + """
        return settle(1, 1, now_ms())
        """);

    /// <summary>
    /// A batch of settles, each as <see cref="Settle"/> would make it, in order, at one instant. KEYS:
    /// one budget per settle; ARGV: per settle its delta, window ms and slot. Returns the used amounts (or -1), in order.
    /// </summary>
    public static LuaScript SettleBatch { get; } = LuaScript.Prepare(Counters + """
        local now = now_ms()
        local results = {}
        for i = 1, #KEYS do
          results[i] = settle(i, 3 * i - 2, now)
        end
        return results
        """);

    /// <summary>
    /// KEYS: counters; ARGV: one delta each. Each counter that exists gets its delta, never below zero, keeping its
    /// expiry; one that does not stays absent. Returns each counter's value afterwards, or -1 where absent.
    /// </summary>
    public static LuaScript AdjustCounters { get; } = LuaScript.Prepare("""
        local out = {}
        for i = 1, #KEYS do
          if redis.call('EXISTS', KEYS[i]) == 1 then
            out[i] = redis.call('INCRBY', KEYS[i], ARGV[i])
            if out[i] < 0 then
              redis.call('SET', KEYS[i], '0', 'KEEPTTL')
              out[i] = 0
            end
          else
            out[i] = -1
          end
        end
        return out
        """);

    /// <summary>
    /// KEYS[1]: set; ARGV: member, expiry ms (0 = none: kept until deleted). The set then lives at least that long: a
    /// later expiry extends it, an earlier one never shortens it (PTTL compared here: PEXPIRE's GT needs Redis 7, and
    /// Redis 6.2 is supported). Returns the size.
    /// </summary>
    public static LuaScript SetAdd { get; } = LuaScript.Prepare("""
        local current = redis.call('PTTL', KEYS[1])
        redis.call('SADD', KEYS[1], ARGV[1])
        local ttl = tonumber(ARGV[2])
        if ttl > 0 then
          if current == -2 or (current >= 0 and current < ttl) then
            redis.call('PEXPIRE', KEYS[1], ttl)
          end
        elseif current >= 0 then
          redis.call('PERSIST', KEYS[1])
        end
        return redis.call('SCARD', KEYS[1])
        """);

    /// <summary>
    /// KEYS[1]: log stream, KEYS[2] (only when fields are set): hash; ARGV: expected length, field count n, n
    /// (field, value) pairs, then one or more entries. Only when the log holds exactly the expected length: each
    /// field <c>HSETNX</c>, then the entries appended with the explicit IDs <c>(index + 1)-0</c> so that reads can
    /// seek by index. Returns 1 when appended, 0 otherwise. Both keys carry the same <c>{tenant}</c> tag, so that
    /// on Redis Cluster they share the one hash slot a script needs.
    /// </summary>
    public static LuaScript Append { get; } = LuaScript.Prepare(AppendStep + """
        return append(1, #ARGV) and 1 or 0
        """);

    /// <summary>
    /// <see cref="Append"/> and, only when it appended, settles as <see cref="Settle"/> makes them and then <see cref="Admit"/>'s
    /// batch, in one atomic run (the server's clock read first, before any write). KEYS: the log, the hash (the log when
    /// none), the companion log (the log when none), the settles' budgets, then the admissions' keys as <see cref="Admit"/>
    /// takes them. ARGV[1]: the index of the last append argument; ARGV[2 .. that]: <see cref="Append"/>'s arguments; then
    /// the settle count and per settle its delta, window ms and slot; then <see cref="Admit"/>'s (the request count first).
    /// Returns one bulk string: <c>0</c> when not appended (nothing settled or admitted), else <c>1</c> followed by
    /// <see cref="Admit"/>'s reply, each value after one space.
    /// </summary>
    public static LuaScript AppendAdmit { get; } = LuaScript.Prepare(Counters + TokenStep + AdmitStep + AppendStep + """
        local now = now_ms()
        local last = tonumber(ARGV[1])
        if not append(2, last) then
          return '0'
        end
        local settles = tonumber(ARGV[last + 1])
        for i = 1, settles do
          settle(3 + i, last + 3 * i - 1, now)
        end
        local a = last + 2 + 3 * settles
        if tonumber(ARGV[a]) == 0 then
          return '1'
        end
        return '1 ' .. admit(3 + settles, a, now)
        """);

    /// <summary>
    /// KEYS[1]: a value; ARGV: the expected value, the new value, expiry ms (0 = none). Replaced only while it is exactly the
    /// expected value (absent, or of another type, it is not). Returns 1 when replaced, 0 otherwise.
    /// </summary>
    public static LuaScript ReplaceIfEqual { get; } = LuaScript.Prepare("""
        if redis.call('TYPE', KEYS[1])['ok'] ~= 'string' or redis.call('GET', KEYS[1]) ~= ARGV[1] then
          return 0
        end
        local ttl = tonumber(ARGV[3])
        if ttl > 0 then
          redis.call('SET', KEYS[1], ARGV[2], 'PX', ttl)
        else
          redis.call('SET', KEYS[1], ARGV[2])
        end
        return 1
        """);

    /// <summary>KEYS[1]: a value; ARGV[1]: the expected value. Removed only while it is exactly that. Returns 1 when removed, 0 otherwise.</summary>
    public static LuaScript DeleteIfEqual { get; } = LuaScript.Prepare("""
        if redis.call('TYPE', KEYS[1])['ok'] ~= 'string' or redis.call('GET', KEYS[1]) ~= ARGV[1] then
          return 0
        end
        return redis.call('DEL', KEYS[1])
        """);

    /// <summary>KEYS[1]: a decision token's record, used up while KEYS[2..] hold ARGV (<see cref="ConsumeTokenScript"/>); returns 1, 2 or 3 as <see cref="TokenStep"/>'s code, 4 when one changed.</summary>
    public static LuaScript ConsumeToken { get; } = LuaScript.Prepare(ConsumeTokenScript);

    /// <summary>Every script, loaded on each server when the connection comes up.</summary>
    public static IReadOnlyList<LuaScript> All { get; } = [Increment, Admit, RecordToken, ConsumeToken, Reserve, Settle, SettleBatch, AdjustCounters, SetAdd, Append, AppendAdmit, ReplaceIfEqual, DeleteIfEqual];
}
