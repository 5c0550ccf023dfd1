using Gateway.Store.Resp;

namespace Gateway.Store;

/// <summary>
/// The Lua scripts behind <see cref="RedisStateStore"/>'s compound operations: each runs atomically
/// on the server in one round trip. Window slots use the server's clock (<c>TIME</c>) so that every
/// replica agrees; the slot key is <c>key:(nowMs / windowMs)</c>, as in <see cref="InMemoryStateStore"/>.
/// </summary>
internal static class RedisScripts
{
    private const string Now = """
        local function now_ms()
          local t = redis.call('TIME')
          return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end
        """;

    /// <summary>KEYS[1]: counter; ARGV: delta, expiry ms (0 = none). Expiry only when created.</summary>
    public static RespScript Increment { get; } = new("""
        local existed = redis.call('EXISTS', KEYS[1])
        local value = redis.call('INCRBY', KEYS[1], ARGV[1])
        local ttl = tonumber(ARGV[2])
        if existed == 0 and ttl > 0 then
          redis.call('PEXPIRE', KEYS[1], ttl)
        end
        return value
        """);

    /// <summary>
    /// KEYS: the windows' keys; ARGV: limit, window ms, permits per window. Returns
    /// {refused index or -1, retry-after ms}. Counts in every window only when all admit.
    /// </summary>
    public static RespScript Acquire { get; } = new(Now + """

        local now = now_ms()
        local slots = {}
        for i = 1, #KEYS do
          local limit = tonumber(ARGV[3 * i - 2])
          local window = tonumber(ARGV[3 * i - 1])
          local permits = tonumber(ARGV[3 * i])
          local slot = math.floor(now / window)
          local key = KEYS[i] .. ':' .. string.format('%d', slot)
          local resets = (slot + 1) * window - now
          local used = tonumber(redis.call('GET', key) or '0')
          if used + permits > limit then
            return {i - 1, resets}
          end
          slots[i] = {key, permits, resets}
        end
        for i = 1, #slots do
          local s = slots[i]
          redis.call('INCRBY', s[1], s[2])
          if redis.call('PTTL', s[1]) < 0 then
            redis.call('PEXPIRE', s[1], s[3])
          end
        end
        return {-1, 0}
        """);

    /// <summary>KEYS[1]: budget; ARGV: amount, limit, window ms. Returns {reserved 0|1, used, resets-in ms}.</summary>
    public static RespScript Reserve { get; } = new(Now + """

        local now = now_ms()
        local amount = tonumber(ARGV[1])
        local limit = tonumber(ARGV[2])
        local window = tonumber(ARGV[3])
        local slot = math.floor(now / window)
        local key = KEYS[1] .. ':' .. string.format('%d', slot)
        local resets = (slot + 1) * window - now
        local used = tonumber(redis.call('GET', key) or '0')
        if used + amount > limit then
          return {0, used, resets}
        end
        used = redis.call('INCRBY', key, amount)
        if redis.call('PTTL', key) < 0 then
          redis.call('PEXPIRE', key, resets)
        end
        return {1, used, resets}
        """);

    /// <summary>KEYS[1]: budget; ARGV: delta (actual - reserved), window ms. Returns the used amount, clamped at 0.</summary>
    public static RespScript Settle { get; } = new(Now + """

        local now = now_ms()
        local window = tonumber(ARGV[2])
        local slot = math.floor(now / window)
        local key = KEYS[1] .. ':' .. string.format('%d', slot)
        local used = redis.call('INCRBY', key, ARGV[1])
        if redis.call('PTTL', key) < 0 then
          redis.call('PEXPIRE', key, (slot + 1) * window - now)
        end
        if used < 0 then
          redis.call('SET', key, '0', 'KEEPTTL')
          used = 0
        end
        return used
        """);

    /// <summary>KEYS[1]: set; ARGV: member, expiry ms (0 = none). Expiry only when created. Returns the size.</summary>
    public static RespScript SetAdd { get; } = new("""
        local existed = redis.call('EXISTS', KEYS[1])
        redis.call('SADD', KEYS[1], ARGV[1])
        local ttl = tonumber(ARGV[2])
        if existed == 0 and ttl > 0 then
          redis.call('PEXPIRE', KEYS[1], ttl)
        end
        return redis.call('SCARD', KEYS[1])
        """);

    /// <summary>
    /// KEYS[1]: log stream; ARGV: expected length, entry. Appends with the explicit ID
    /// <c>(index + 1)-0</c> so that reads can seek by index. Returns 1 when appended, 0 otherwise.
    /// </summary>
    public static RespScript Append { get; } = new("""
        local length = redis.call('XLEN', KEYS[1])
        if length ~= tonumber(ARGV[1]) then
          return 0
        end
        redis.call('XADD', KEYS[1], string.format('%d-0', length + 1), 'e', ARGV[2])
        return 1
        """);
}
