using static Gateway.Store.Tests.RedisConnectLogLines;

namespace Gateway.Store.Tests;

/// <summary>
/// What a refusal names when StackExchange.Redis writes the first connect's failure lines after the connect returned
/// (<see cref="RedisConnection.RefusalReason"/>): the log is read at the refusal, so the server's error is not lost to the race.
/// </summary>
public sealed class RedisConnectionRefusalReasonTests
{
    [Fact]
    public void RefusalReason_ServerErrorWrittenAfterTheConnectReturned_NamesIt()
    {
        using var log = new RedisConnectFailureWriter();
        log.WriteLine(AuthSummary);
        Assert.Equal("AuthenticationFailure", RedisConnection.RefusalReason(null, null, log));

        log.WriteLine(AuthDetail);

        Assert.Contains("NOAUTH", RedisConnection.RefusalReason(null, null, log), StringComparison.Ordinal);
    }

    [Fact]
    public void RefusalReason_AuthenticationFailureLoggedAfterASocketFailureEvent_NamesTheAuthentication()
    {
        using var log = new RedisConnectFailureWriter();
        const string socketClosed = "SocketClosed: Connection reset by peer";
        Assert.Equal(socketClosed, RedisConnection.RefusalReason(null, socketClosed, log));

        log.WriteLine(AuthSummary);
        log.WriteLine(AuthDetail);

        Assert.StartsWith("AuthenticationFailure: SimpleError: NOAUTH", RedisConnection.RefusalReason(null, socketClosed, log), StringComparison.Ordinal);
    }

    [Fact]
    public void RefusalReason_SocketErrorWrittenAfterTheConnectReturned_NamesIt_UnlessAnEventCameSince()
    {
        using var log = new RedisConnectFailureWriter();
        Assert.Equal("not connected after the first attempt", RedisConnection.RefusalReason(null, null, log));
        log.WriteLine("06:40:48.1997: Connection failed: 127.0.0.1:1 (Interactive, UnableToConnect): UnableToConnect on 127.0.0.1:1/Interactive");

        log.WriteLine("06:40:48.2007: > SocketException: Connection refused");

        Assert.Equal("UnableToConnect: SocketException: Connection refused", RedisConnection.RefusalReason(null, null, log));
        Assert.Equal("SocketFailure: Connection reset", RedisConnection.RefusalReason(null, "SocketFailure: Connection reset", log));
    }

    [Fact]
    public void RefusalReason_AfterARestoreOrAnAuthenticationEvent_TheFirstConnectsLogIsNotRead()
    {
        using var log = new RedisConnectFailureWriter();
        log.WriteLine(AuthSummary);
        log.WriteLine(AuthDetail);

        Assert.Equal("SocketClosed", RedisConnection.RefusalReason(null, "SocketClosed", firstConnect: null));
        Assert.Equal("AuthenticationFailure: WRONGPASS", RedisConnection.RefusalReason("AuthenticationFailure: WRONGPASS", null, log));
        Assert.Null(RedisConnection.RefusalReason(null, null, null));
    }
}
