namespace Gateway.Store.Tests;

/// <summary>Lines StackExchange.Redis 3.4 writes to its connect log when a connect fails on authentication, as they appear.</summary>
internal static class RedisConnectLogLines
{
    /// <summary>The failure's summary line: the endpoint and the failure type.</summary>
    public const string AuthSummary = "06:40:48.1997: Connection failed: 127.0.0.1:33747 (Interactive, AuthenticationFailure): AuthenticationFailure on 127.0.0.1:33747/Interactive, Flushed/ComputeResult, last: ECHO";

    /// <summary>The server's error line, which may land after the summary (and after the connect returned).</summary>
    public const string AuthDetail = "06:40:48.2003: > SimpleError: NOAUTH Authentication required. Verify if the Redis password provided is correct. Attempted command: ECHO";
}
