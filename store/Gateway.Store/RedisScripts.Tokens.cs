namespace Gateway.Store;

// A decision token used up outside an admission (a constant: no static initialisation order between the parts).
internal static partial class RedisScripts
{
    // KEYS[1]: a decision token's record. Sets it from 'issued' to 'used' keeping its expiry, as an admission's token step
    // does (TokenStep). Returns the consumption code: 1 consumed, 2 already used, 3 no record.
    private const string ConsumeTokenScript = """
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
