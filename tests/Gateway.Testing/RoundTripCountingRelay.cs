using System.Net;
using System.Net.Sockets;

namespace Gateway.Testing;

/// <summary>
/// A loopback TCP relay in front of a server (PostgreSQL, Redis) that counts the client's round trips:
/// every time a client connection sends bytes after the server has answered it (or for the first time)
/// is one. Bytes the client writes in several pieces before any answer arrive in one round trip
/// (pipelining), so a transaction sent as one batch counts 1 and one that waits for each answer counts
/// one per wait. Point the client's connection string at <see cref="Port"/>.
/// </summary>
public sealed class RoundTripCountingRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _pumps = [];
    private readonly Task _accepting;
    private long _roundTrips;

    private RoundTripCountingRelay(int targetPort)
    {
        _targetPort = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The loopback port the relay listens on.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Round trips so far, over every connection.</summary>
    public long RoundTrips => Interlocked.Read(ref _roundTrips);

    /// <summary>Starts relaying to <c>127.0.0.1:<paramref name="targetPort"/></c>.</summary>
    public static RoundTripCountingRelay Start(int targetPort) => new(targetPort);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        Task[] pumps;
        lock (_pumps)
        {
            pumps = [.. _pumps, _accepting];
        }

        try
        {
            await Task.WhenAll(pumps).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
        }

        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket? client = null;
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                client = await _listener.AcceptSocketAsync(_stopping.Token).ConfigureAwait(false);
                client.NoDelay = true;
                await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                client?.Dispose();
                server.Dispose();
                continue;
            }

            var turn = new Turn();
            lock (_pumps)
            {
                _pumps.Add(PumpAsync(client, server, turn, fromClient: true));
                _pumps.Add(PumpAsync(server, client, turn, fromClient: false));
            }
        }
    }

    private async Task PumpAsync(Socket from, Socket to, Turn turn, bool fromClient)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stopping.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                // The turn changes before the bytes are passed on, so the peer cannot answer before it is counted.
                lock (turn)
                {
                    if (fromClient && !turn.ClientSpeaking)
                    {
                        Interlocked.Increment(ref _roundTrips);
                    }

                    turn.ClientSpeaking = fromClient;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stopping.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }

    /// <summary>Whose turn it is on one relayed connection.</summary>
    private sealed class Turn
    {
        public bool ClientSpeaking { get; set; }
    }
}
