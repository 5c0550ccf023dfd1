using System.Net;
using System.Net.Sockets;
using System.Text;
using Gateway.Testing;
using StackExchange.Redis;

namespace Gateway.Store.Tests;

/// <summary>
/// <see cref="RedisScriptChannel"/>'s hand-written RESP against replies a real redis-server does not send on demand: a
/// scripted server (a loopback socket that reads each command and answers with the bytes the test gives) stands in for a
/// broken or hostile one. What a real server does is in <see cref="RedisScriptChannelTests"/>.
/// </summary>
public sealed class RedisScriptChannelReplyTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CallAsync_Command_SentAsOneRespArrayOfBulkStrings(bool replyThread)
    {
        await using var server = new ScriptedServer("+OK\r\n");
        using var channel = await server.OpenAsync(replyThread);

        var reply = await channel.CallAsync(["EVALSHA", "ab", "1", "{t}:k"], [42L, new byte[] { 0x0D, 0x0A, 0xFF }, "é"], Deadline());

        Assert.Equal("OK", Encoding.UTF8.GetString(reply));
        var sent = server.Commands[^1];
        Assert.Equal(["EVALSHA", "ab", "1", "{t}:k", "42", "\r\n\uFFFD", "é"], sent.Select(part => Encoding.UTF8.GetString(part)));
        Assert.Equal(new byte[] { 0x0D, 0x0A, 0xFF }, sent[5]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CallAsync_Reply_CompletesTheCallOnTheReaderItsOptionNames(bool replyThread)
    {
        // The reply waits until the continuation is registered: one that came first would run on the test's own thread.
        await using var server = new ScriptedServer(ScriptedServer.OnRelease + "+OK\r\n");
        using var channel = await server.OpenAsync(replyThread);

        var completed = CompletedOnAsync(channel.CallAsync(["PING"], [], Deadline()));
        server.Release();
        var completedOn = await completed;

        Assert.Equal(!replyThread, completedOn.OnThePool);
        Assert.Equal(replyThread, completedOn.Thread == "Redis replies");
    }

    [Fact]
    public async Task CallAsync_ReplyThreadWithAnotherReplyDue_CompletesTheCallOnThePoolAndReadsOn()
    {
        // Both replies come once both commands were read and both continuations registered: the first arrives while the
        // second call still waits.
        await using var server = new ScriptedServer(ScriptedServer.Held, ScriptedServer.OnRelease + "+A\r\n+B\r\n");
        using var channel = await server.OpenAsync(replyThread: true);

        var first = CompletedOnAsync(channel.CallAsync(["PING"], [], Deadline()));
        var second = CompletedOnAsync(channel.CallAsync(["PING"], [], Deadline()));
        server.Release();

        var (reply, onThePool, _) = await first;
        Assert.Equal(("A", true), (reply, onThePool));
        Assert.Equal(("B", false, "Redis replies"), await second);
    }

    [Fact]
    public async Task CallAsync_ReplyThreadErrorWithAnotherReplyDue_FailsTheCallOnThePoolAndReadsOn()
    {
        await using var server = new ScriptedServer(ScriptedServer.Held, ScriptedServer.OnRelease + "-BUSY A script is running.\r\n+B\r\n");
        using var channel = await server.OpenAsync(replyThread: true);

        var first = channel.CallAsync(["PING"], [], Deadline()).ContinueWith(
            done => (done.Exception?.InnerException?.Message, Thread.CurrentThread.IsThreadPoolThread),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        var second = CompletedOnAsync(channel.CallAsync(["PING"], [], Deadline()));
        server.Release();

        Assert.Equal(("BUSY A script is running.", true), await first);
        Assert.Equal(("B", false, "Redis replies"), await second);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CallAsync_BulkReplyLongerThanTheBuffer_ReadAcrossReceives(bool replyThread)
    {
        var text = new string('x', 300_000);
        await using var server = new ScriptedServer($"${text.Length}\r\n{text}\r\n", "$0\r\n\r\n", "$-1\r\n", ":17\r\n");
        using var channel = await server.OpenAsync(replyThread);

        Assert.Equal(text, Encoding.ASCII.GetString(await channel.CallAsync(["GET", "a"], [], Deadline())));
        Assert.Empty(await channel.CallAsync(["GET", "b"], [], Deadline()));
        Assert.Empty(await channel.CallAsync(["GET", "c"], [], Deadline()));
        Assert.Equal("17", Encoding.ASCII.GetString(await channel.CallAsync(["INCR", "d"], [], Deadline())));
        Assert.True(channel.IsUsable);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CallAsync_CallsSentBeforeAnyReply_EachGetsItsOwnReplyInOrder(bool replyThread)
    {
        await using var server = new ScriptedServer("+first\r\n", "+second\r\n", "-ERR third\r\n", "+fourth\r\n");
        using var channel = await server.OpenAsync(replyThread);

        var calls = Enumerable.Range(1, 4).Select(i => channel.CallAsync(["ECHO"], [i], Deadline())).ToArray();

        Assert.Equal("first", Encoding.ASCII.GetString(await calls[0]));
        Assert.Equal("second", Encoding.ASCII.GetString(await calls[1]));
        Assert.Equal("ERR third", (await Assert.ThrowsAsync<RedisServerException>(() => calls[2])).Message);
        Assert.Equal("fourth", Encoding.ASCII.GetString(await calls[3]));
        Assert.Equal(["1", "2", "3", "4"], server.Commands.Skip(1).Select(command => Encoding.ASCII.GetString(command[1])));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CallAsync_ErrorReply_ThrowsTheServersTextAndTheConnectionStaysInStep(bool replyThread)
    {
        await using var server = new ScriptedServer("-NOSCRIPT No matching script.\r\n", "+OK\r\n");
        using var channel = await server.OpenAsync(replyThread);

        var refused = await Assert.ThrowsAsync<RedisServerException>(async () => await channel.CallAsync(["EVALSHA", "ab", "0"], [], Deadline()));
        var next = await channel.CallAsync(["PING"], [], Deadline());

        Assert.Equal("NOSCRIPT No matching script.", refused.Message);
        Assert.Equal("OK", Encoding.ASCII.GetString(next));
    }

    [Theory]
    [InlineData("*1\r\n$1\r\nx\r\n", "of another kind", false)]
    [InlineData("*1\r\n$1\r\nx\r\n", "of another kind", true)]
    [InlineData("$2000000\r\n", "no valid length", false)]
    [InlineData("$2000000\r\n", "no valid length", true)]
    [InlineData("$-2\r\n", "no valid length", false)]
    [InlineData("$-2\r\n", "no valid length", true)]
    [InlineData("$abc\r\n", "no valid length", false)]
    [InlineData("$abc\r\n", "no valid length", true)]
    [InlineData("$3\r\nabcd\r\n", "does not end its line", false)]
    [InlineData("$3\r\nabcd\r\n", "does not end its line", true)]
    [InlineData("\r\n", "an empty line", false)]
    [InlineData("\r\n", "an empty line", true)]
    public async Task CallAsync_MalformedReply_FailsTheCallAndClosesTheConnection(string reply, string named, bool replyThread)
    {
        await using var server = new ScriptedServer(reply);
        using var channel = await server.OpenAsync(replyThread);

        var refused = await Assert.ThrowsAsync<IOException>(async () => await channel.CallAsync(["PING"], [], Deadline()));

        Assert.Contains(named, Assert.IsType<InvalidDataException>(refused.InnerException).Message, StringComparison.Ordinal);
        Assert.False(channel.IsUsable);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CallAsync_ServerClosesMidReply_ThrowsIOException(bool replyThread)
    {
        await using var server = new ScriptedServer(closeAfterLast: true, "$10\r\nhalf");
        using var channel = await server.OpenAsync(replyThread);

        await Assert.ThrowsAsync<IOException>(async () => await channel.CallAsync(["PING"], [], Deadline()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CallAsync_NoReplyWithinTheDeadline_Cancelled(bool replyThread)
    {
        await using var server = new ScriptedServer(ScriptedServer.Silence);
        using var channel = await server.OpenAsync(replyThread);
        using var deadline = new CancellationTokenSource();

        var call = channel.CallAsync(["PING"], [], deadline.Token);
        await server.WaitForCommandsAsync(2);
        await deadline.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task IsUsable_ServerClosedTheIdleConnection_False(bool replyThread)
    {
        await using var server = new ScriptedServer();
        using var channel = await server.OpenAsync(replyThread);
        Assert.True(channel.IsUsable);

        await server.CloseAsync();

        await Eventually.HoldsAsync(() => !channel.IsUsable, Within, "the closed connection still read as open");
    }

    private static CancellationToken Deadline() => new CancellationTokenSource(Within).Token;

    // Where the reply completed the call, which is where its caller's continuation runs when it asks to run there.
    private static Task<(string Reply, bool OnThePool, string? Thread)> CompletedOnAsync(Task<byte[]> call) => call.ContinueWith(
        done => (Encoding.ASCII.GetString(done.Result), Thread.CurrentThread.IsThreadPoolThread, Thread.CurrentThread.Name),
        CancellationToken.None,
        TaskContinuationOptions.ExecuteSynchronously,
        TaskScheduler.Default);

    /// <summary>
    /// One loopback connection's server: answers <c>CLIENT SETNAME</c> with <c>+OK</c>, then each further command with the
    /// next reply given (sent as is; <see cref="Silence"/> sends nothing and waits, <see cref="Held"/> nothing and reads on); after the last it keeps the connection open
    /// until stopped, or closes it at once.
    /// </summary>
    private sealed class ScriptedServer : IAsyncDisposable
    {
        public const string Silence = "";

        /// <summary>No reply to this command: the next command's reply goes on (it may answer both).</summary>
        public const string Held = "(held)";

        /// <summary>Before a reply: it is sent once the test calls <see cref="Release"/>.</summary>
        public const string OnRelease = "(on release)";
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Task _serving;
        private readonly CancellationTokenSource _stop = new();
        private readonly List<List<byte[]>> _commands = [];
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ScriptedServer(params string[] replies)
            : this(closeAfterLast: false, replies)
        {
        }

        public ScriptedServer(bool closeAfterLast, params string[] replies)
        {
            _listener.Start();
            _serving = ServeAsync(["+OK\r\n", .. replies], closeAfterLast);
        }

        public IReadOnlyList<IReadOnlyList<byte[]>> Commands
        {
            get
            {
                lock (_commands)
                {
                    return [.. _commands];
                }
            }
        }

        public async Task<RedisScriptChannel> OpenAsync(bool replyThread)
        {
            var port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            var options = new RedisStoreOptions { Endpoint = $"127.0.0.1:{port}", CommandTimeout = Within, ReplyThread = replyThread };
            Assert.True(RedisEndpoint.TryParse(options.Endpoint, out var endpoint));
            return await RedisScriptChannel.OpenAsync(options, endpoint.Value, Deadline());
        }

        public void Release() => _released.TrySetResult();

        public Task WaitForCommandsAsync(int count) =>
            Eventually.HoldsAsync(() => Commands.Count >= count, Within, $"the server never read {count} commands");

        public async Task CloseAsync()
        {
            await _stop.CancelAsync();
            await _serving;
        }

        public async ValueTask DisposeAsync()
        {
            await CloseAsync();
            _listener.Stop();
            _stop.Dispose();
        }

        private async Task ServeAsync(string[] replies, bool closeAfterLast)
        {
            try
            {
                using var socket = await _listener.AcceptSocketAsync(_stop.Token);
                await using var stream = new NetworkStream(socket);
                var reader = new BufferedStream(stream);
                foreach (var reply in replies)
                {
                    var command = await ReadCommandAsync(reader, _stop.Token);
                    lock (_commands)
                    {
                        _commands.Add(command);
                    }

                    if (reply == Held)
                    {
                        continue;
                    }

                    if (reply.Length == 0)
                    {
                        await StoppedAsync(_stop.Token);
                    }

                    var text = reply;
                    if (reply.StartsWith(OnRelease, StringComparison.Ordinal))
                    {
                        await _released.Task.WaitAsync(_stop.Token);
                        text = reply[OnRelease.Length..];
                    }

                    // Latin-1: each char of the reply is one byte on the wire, so a test writes what it means byte for byte.
                    await stream.WriteAsync(Encoding.Latin1.GetBytes(text), _stop.Token);
                }

                if (!closeAfterLast)
                {
                    await StoppedAsync(_stop.Token);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException)
            {
                // Stopped, or the client went away: the connection closes.
            }
        }

        // Until the test stops the server: no reply, the connection held open.
        private static async Task StoppedAsync(CancellationToken stop)
        {
            var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var registration = stop.Register(() => stopped.TrySetCanceled(stop));
            await stopped.Task;
        }

        private static async Task<List<byte[]>> ReadCommandAsync(Stream reader, CancellationToken cancellationToken)
        {
            var count = int.Parse((await ReadLineAsync(reader, cancellationToken))[1..], System.Globalization.CultureInfo.InvariantCulture);
            var parts = new List<byte[]>(count);
            for (var i = 0; i < count; i++)
            {
                var length = int.Parse((await ReadLineAsync(reader, cancellationToken))[1..], System.Globalization.CultureInfo.InvariantCulture);
                var part = new byte[length + 2];
                await reader.ReadExactlyAsync(part, cancellationToken);
                parts.Add(part[..length]);
            }

            return parts;
        }

        private static async Task<string> ReadLineAsync(Stream reader, CancellationToken cancellationToken)
        {
            var line = new StringBuilder();
            var one = new byte[1];
            while (true)
            {
                await reader.ReadExactlyAsync(one, cancellationToken);
                if (one[0] == (byte)'\n')
                {
                    return line.ToString().TrimEnd('\r');
                }

                line.Append((char)one[0]);
            }
        }
    }
}
