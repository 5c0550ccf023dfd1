using Gateway.Store.Resp;
using Gateway.Testing;

namespace Gateway.Store.Tests;

/// <summary>The RESP2 client against a real redis-server: framing, pipelining, errors, scripts, cancellation.</summary>
public sealed class RespClientTests : IAsyncLifetime
{
    private RedisServer _server = null!;
    private RespClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        _client = new RespClient(new RedisStoreOptions { Endpoint = _server.Endpoint, CommandTimeout = TimeSpan.FromSeconds(10) });
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task ExecuteAsync_ThousandConcurrentCommands_EachGetsItsOwnReply()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 1000).Select(async i =>
        {
            await _client.ExecuteAsync(RespTestCommands.Of("SET", $"pipe:{i}", $"value-{i}"));
            return (i, (await _client.ExecuteAsync(RespTestCommands.Of("GET", $"pipe:{i}"))).AsString());
        }));

        Assert.All(results, r => Assert.Equal($"value-{r.i}", r.Item2));
        var echoes = await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => _client.ExecuteAsync(RespTestCommands.Of("ECHO", $"echo-{i}")).AsTask()));
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"echo-{i}"), echoes.Select(e => e.AsString()));
    }

    [Fact]
    public async Task ExecuteAsync_BinaryValueWithCrLfAndZeroBytes_RoundTripsExactly()
    {
        var value = new byte[512];
        for (var i = 0; i < value.Length; i++)
        {
            value[i] = (byte)(i % 256);
        }

        value[10] = (byte)'\r';
        value[11] = (byte)'\n';
        await _client.ExecuteAsync(RespTestCommands.Of("SET", "binary", value));

        var reply = await _client.ExecuteAsync(RespTestCommands.Of("GET", "binary"));

        Assert.Equal(RespKind.BulkString, reply.Kind);
        Assert.Equal(value, reply.ToArray());
    }

    [Fact]
    public async Task ExecuteAsync_Utf8TextWithCrLf_RoundTrips()
    {
        const string text = "ligne 1\r\nligne 2 — ✓ 日本語 🚀\r\n$3\r\n*1\r\n";
        await _client.ExecuteAsync(RespTestCommands.Of("SET", "utf8", text));

        Assert.Equal(text, (await _client.ExecuteAsync(RespTestCommands.Of("GET", "utf8"))).AsString());
    }

    [Fact]
    public async Task ExecuteAsync_OneMegabyteValue_RoundTripsAlongsideSmallCommands()
    {
        var large = new byte[1024 * 1024];
        new Random(42).NextBytes(large);

        var set = _client.ExecuteAsync(RespTestCommands.Of("SET", "large", large)).AsTask();
        var ping = _client.ExecuteAsync(RespTestCommands.Of("PING")).AsTask();
        await Task.WhenAll(set, ping);
        var reply = await _client.ExecuteAsync(RespTestCommands.Of("GET", "large"));

        Assert.Equal("PONG", (await ping).AsString());
        Assert.Equal(large, reply.ToArray());
    }

    [Fact]
    public async Task ExecuteAsync_MissingKey_ReturnsNullReply()
    {
        var bulk = await _client.ExecuteAsync(RespTestCommands.Of("GET", "nothing-here"));
        var array = await _client.ExecuteAsync(RespTestCommands.Of("BLPOP", "no-list", "0.01"));

        Assert.True(bulk.IsNull);
        Assert.Null(bulk.AsString());
        Assert.True(array.IsNull);
    }

    [Fact]
    public async Task ExecuteAsync_ErrorReply_ThrowsRespErrorAndConnectionStaysUsable()
    {
        await _client.ExecuteAsync(RespTestCommands.Of("SET", "text", "abc"));

        var wrongType = await Assert.ThrowsAsync<RespErrorException>(async () => await _client.ExecuteAsync(RespTestCommands.Of("INCR", "text")));
        var unknown = await Assert.ThrowsAsync<RespErrorException>(async () => await _client.ExecuteAsync(RespTestCommands.Of("NO-SUCH-COMMAND")));

        Assert.Equal("ERR", wrongType.ErrorCode);
        Assert.Contains("not an integer", wrongType.Message, StringComparison.Ordinal);
        Assert.Equal("ERR", unknown.ErrorCode);
        Assert.Equal("abc", (await _client.ExecuteAsync(RespTestCommands.Of("GET", "text"))).AsString());
    }

    [Fact]
    public async Task ExecuteAsync_NestedArrayReply_ParsesStructure()
    {
        await _client.ExecuteAsync(RespTestCommands.Of("XADD", "stream", "1-0", "e", "first"));

        var reply = await _client.ExecuteAsync(RespTestCommands.Of("XRANGE", "stream", "-", "+"));

        var entry = Assert.Single(reply.Items);
        Assert.Equal("1-0", entry.Items[0].AsString());
        Assert.Equal(["e", "first"], entry.Items[1].Items.Select(i => i.AsString()));
    }

    [Fact]
    public async Task Database_SelectedAtConnect_IsolatesKeys()
    {
        await using var database3 = new RespClient(new RedisStoreOptions { Endpoint = _server.Endpoint, Database = 3 });
        await database3.ExecuteAsync(RespTestCommands.Of("SET", "where", "db3"));

        Assert.Null((await _client.ExecuteAsync(RespTestCommands.Of("GET", "where"))).AsString());
        Assert.Equal("db3", (await database3.ExecuteAsync(RespTestCommands.Of("GET", "where"))).AsString());
    }

    [Fact]
    public async Task EvaluateAsync_AfterScriptFlush_FallsBackToEvalAndReloads()
    {
        var script = new RespScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");
        Assert.Equal(5, (await _client.EvaluateAsync(script, new RespArguments().Add(1).Add("scripted").Add(5))).AsInt64());
        var loaded = await _client.ExecuteAsync(RespTestCommands.Of("SCRIPT", "EXISTS", script.Sha1Hex));
        Assert.Equal(1, loaded.Items[0].AsInt64());

        await _client.ExecuteAsync(RespTestCommands.Of("SCRIPT", "FLUSH"));
        Assert.Equal(0, (await _client.ExecuteAsync(RespTestCommands.Of("SCRIPT", "EXISTS", script.Sha1Hex))).Items[0].AsInt64());

        Assert.Equal(12, (await _client.EvaluateAsync(script, new RespArguments().Add(1).Add("scripted").Add(7))).AsInt64());
        Assert.Equal(1, (await _client.ExecuteAsync(RespTestCommands.Of("SCRIPT", "EXISTS", script.Sha1Hex))).Items[0].AsInt64());
    }

    [Fact]
    public async Task EvaluateAsync_ScriptError_ThrowsRespError()
    {
        var script = new RespScript("return redis.error_reply('GATEWAY custom failure')");

        var error = await Assert.ThrowsAsync<RespErrorException>(async () => await _client.EvaluateAsync(script, new RespArguments().Add(0)));

        Assert.Equal("GATEWAY", error.ErrorCode);
    }

    [Fact]
    public async Task ExecuteAsync_CancelledWhileBlocked_ThrowsPromptlyAndLaterRepliesStayInStep()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var started = TimeProvider.System.GetTimestamp();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await _client.ExecuteAsync(RespTestCommands.Of("BLPOP", "never-filled", "0.5"), cancel.Token));

        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromMilliseconds(450));
        // The abandoned BLPOP's nil reply arrives first and is discarded; this PING gets PONG.
        Assert.Equal("PONG", (await _client.ExecuteAsync(RespTestCommands.Of("PING"))).AsString());
        Assert.Equal("after", (await _client.ExecuteAsync(RespTestCommands.Of("ECHO", "after"))).AsString());
    }

    [Fact]
    public async Task ExecuteAsync_AlreadyCancelledToken_ThrowsWithoutSending()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await _client.ExecuteAsync(RespTestCommands.Of("SET", "cancelled", "x"), cancel.Token));

        Assert.True((await _client.ExecuteAsync(RespTestCommands.Of("GET", "cancelled"))).IsNull);
    }

    [Fact]
    public async Task ExecuteAsync_ServerStuckLongerThanCommandTimeout_FailsUnavailableThenRecovers()
    {
        await using var server = await RedisServer.StartAsync(extraArgs: "--enable-debug-command yes");
        await using var impatient = new RespClient(new RedisStoreOptions { Endpoint = server.Endpoint, CommandTimeout = TimeSpan.FromMilliseconds(300) });
        await using var sleeper = new RespClient(new RedisStoreOptions { Endpoint = server.Endpoint, CommandTimeout = TimeSpan.FromSeconds(5) });
        await impatient.ExecuteAsync(RespTestCommands.Of("SET", "k", "before"));
        await sleeper.ExecuteAsync(RespTestCommands.Of("PING"));

        var sleep = sleeper.ExecuteAsync(RespTestCommands.Of("DEBUG", "SLEEP", "1")).AsTask();
        await Task.Delay(50);
        var started = TimeProvider.System.GetTimestamp();
        var timedOut = await Assert.ThrowsAsync<StateStoreUnavailableException>(async () =>
            await impatient.ExecuteAsync(RespTestCommands.Of("GET", "k")));
        var waited = TimeProvider.System.GetElapsedTime(started);
        await sleep;

        Assert.IsType<TimeoutException>(timedOut.InnerException);
        Assert.InRange(waited, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(900));
        var reply = await EventuallyAsync(() => impatient.ExecuteAsync(RespTestCommands.Of("GET", "k")).AsTask(), TimeSpan.FromSeconds(5));
        Assert.Equal("before", reply.AsString());
        await impatient.ExecuteAsync(RespTestCommands.Of("SET", "k", "after"));
        Assert.Equal("after", (await impatient.ExecuteAsync(RespTestCommands.Of("GET", "k"))).AsString());
    }

    internal static async Task<T> EventuallyAsync<T>(Func<Task<T>> call, TimeSpan within)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(within.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (StateStoreUnavailableException) when (TimeProvider.System.GetTimestamp() < deadline)
            {
                await Task.Delay(50);
            }
        }
    }
}
