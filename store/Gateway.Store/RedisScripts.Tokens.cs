namespace Gateway.Store;

// A decision token used up outside an admission (a constant: no static initialisation order between the parts).
internal static partial class RedisScripts
{
    // KEYS[1]: a decision token's record; KEYS[2..]: keys the caller read, ARGV[i] what KEYS[i + 1] held ('=' .. value, ''
    // when absent; MGET's reading, as GetManyAsync's). Only while each still holds it, sets the record from 'issued' to
    // 'used' keeping its expiry, as an admission's token step does (TokenStep). Returns the consumption code: 1 consumed,
    // 2 already used, 3 no record, 4 a key changed (nothing set).
    private const string ConsumeTokenScript = """
        if #KEYS > 1 then
          local held = redis.call('MGET', unpack(KEYS, 2))
          for i = 1, #KEYS - 1 do
            if (held[i] and ('=' .. held[i]) or '') ~= ARGV[i] then
              return 4
            end
          end
        end
        local state = redis.call('GET', KEYS[1])
        if state == 'issued' then
          redis.call('SET', KEYS[1], 'used', 'KEEPTTL')
          return 1
        elseif state == 'used' then
          return 2
        end
        return 3
        """;
}
