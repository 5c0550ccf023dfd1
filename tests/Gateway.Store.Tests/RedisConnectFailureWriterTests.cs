using static Gateway.Store.Tests.RedisConnectLogLines;

namespace Gateway.Store.Tests;

/// <summary>The connect-log lines StackExchange.Redis 3.4 writes, as they appear, and what is kept of them.</summary>
public sealed class RedisConnectFailureWriterTests
{
    [Fact]
    public void Failure_AuthenticationFailureWithServerError_NamesTypeAndServerText()
    {
        using var writer = new RedisConnectFailureWriter();

        writer.WriteLine("06:40:48.0973: 127.0.0.1:33747,abortConnect=False,password=*****");
        writer.WriteLine(AuthSummary);
        writer.WriteLine(AuthDetail);

        Assert.Equal("AuthenticationFailure: SimpleError: NOAUTH Authentication required. Verify if the Redis password provided is correct. Attempted command: ECHO", writer.Failure);
        Assert.True(writer.IsAuthenticationFailure);
    }

    [Fact]
    public void Failure_SecondConnectionFailed_KeepsTheFirst()
    {
        using var writer = new RedisConnectFailureWriter();

        writer.WriteLine(AuthSummary);
        writer.WriteLine(AuthDetail);
        writer.WriteLine("06:40:48.2006: Connection failed: 127.0.0.1:33747 (Subscription, SocketFailure): SocketFailure on 127.0.0.1:33747/Subscription");
        writer.WriteLine("06:40:48.2007: > SocketException: Connection refused");

        Assert.StartsWith("AuthenticationFailure: SimpleError: NOAUTH", writer.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Failure_SummaryWithoutDetail_IsTheFailureType()
    {
        using var writer = new RedisConnectFailureWriter();

        writer.WriteLine("06:40:48.1997: Connection failed: 127.0.0.1:1 (Interactive, UnableToConnect): UnableToConnect on 127.0.0.1:1/Interactive");
        writer.WriteLine("06:40:48.2020: 127.0.0.1:1: OnConnectedAsync completed (Disconnected)");
        writer.WriteLine("06:40:48.2021: > a later line that is not this failure's detail");

        Assert.Equal("UnableToConnect", writer.Failure);
        Assert.False(writer.IsAuthenticationFailure);
    }

    [Fact]
    public void Failure_NoFailureReported_IsNull()
    {
        using var writer = new RedisConnectFailureWriter();

        writer.WriteLine("06:40:48.1246: 127.0.0.1:33747/Interactive: Connected");
        writer.Write("partial text is ignored");

        Assert.Null(writer.Failure);
    }

    [Fact]
    public void Failure_VeryLongServerText_IsBounded()
    {
        using var writer = new RedisConnectFailureWriter();

        writer.WriteLine(AuthSummary);
        writer.WriteLine("06:40:48.2003: > " + new string('x', 10_000));

        Assert.InRange(writer.Failure!.Length, 1, 512);
    }
}
