namespace Gateway.Store;

// The append step the log scripts share (a constant: no static initialisation order between the parts).
internal static partial class RedisScripts
{
    // The append step of Append and AppendAdmit: append(a, last) appends, only when the log KEYS[1] holds exactly ARGV[a]
    // entries and, when the first entry names a "prev_hash", its last entry carries that "hash" (LogLink), with ARGV[a + 1]
    // fields (KEYS[2]) and ARGV[a + 2] companion entries (KEYS[3]), then the (field, value) pairs, the companion entries and
    // the entries up to ARGV[last] (none: the companion entries alone); true when appended.
    private const string AppendStep = """
        local function append(a, last)
          local length = redis.call('XLEN', KEYS[1])
          if length ~= tonumber(ARGV[a]) then
            return false
          end
          local fields = tonumber(ARGV[a + 1])
          local companions = tonumber(ARGV[a + 2])
          local at = a + 3 + 2 * fields
          local first = at + companions
          if length > 0 and first <= last then
            -- A plain find, then the hex digits anchored where it ends: a pattern scanning the whole entry cost more
            -- than the rest of the append (LogLink reads it the same way).
            local _, named = string.find(ARGV[first], '"prev_hash":"', 1, true)
            local previous = named and string.match(ARGV[first], '^%x+', named + 1)
            if previous and not string.find(redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1][2][2], '"hash":"' .. previous .. '"', 1, true) then
              return false
            end
          end
          for i = 0, fields - 1 do
            redis.call('HSETNX', KEYS[2], ARGV[a + 3 + 2 * i], ARGV[a + 4 + 2 * i])
          end
          if companions > 0 then
            local kept = redis.call('XLEN', KEYS[3])
            for i = 0, companions - 1 do
              redis.call('XADD', KEYS[3], string.format('%d-0', kept + i + 1), 'e', ARGV[at + i])
            end
          end
          for i = first, last do
            redis.call('XADD', KEYS[1], string.format('%d-0', length + i - first + 1), 'e', ARGV[i])
          end
          return true
        end

        """;
}
