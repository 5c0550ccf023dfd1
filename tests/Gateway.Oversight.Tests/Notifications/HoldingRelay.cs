using System.Net;
using System.Net.Sockets;

namespace Gateway.Oversight.Tests.Notifications;

/// <summary>
/// A relay that hangs rather than fails: it accepts connections on a loopback port and holds each one open without a word
/// (an SMTP client waits for the greeting that never comes) until <see cref="ReleaseAsync"/>, which drops them and stops
/// listening. A test sees whether anything waited for the channel, with no clock involved.
/// </summary>
internal sealed class HoldingRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _released = new();
    private readonly List<Socket> _connections = [];
    private readonly List<Task> _watches = [];
    private readonly Task _accepting;
    private int _held;
    private int _accepted;

    private HoldingRelay(int port)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>Connections accepted so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Connections accepted and held now: neither released nor given up by their client.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>Listens on loopback <paramref name="port"/>.</summary>
    public static HoldingRelay Start(int port) => new(port);

    /// <summary>Drops every held connection and stops listening: from now on the port refuses.</summary>
    public async Task ReleaseAsync()
    {
        if (_released.IsCancellationRequested)
        {
            return;
        }

        await _released.CancelAsync();
        _listener.Stop();
        Task[] watches;
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.Dispose();
            }

            watches = [.. _watches, _accepting];
        }

        await Task.WhenAll(watches);
    }

    public async ValueTask DisposeAsync()
    {
        await ReleaseAsync();
        _released.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptSocketAsync(_released.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            Interlocked.Increment(ref _held);
            lock (_connections)
            {
                _connections.Add(connection);
                _watches.Add(WatchAsync(connection));
            }
        }
    }

    // Reads (and drops) whatever the client sends until it closes or the relay releases it: then it is no longer held.
    private async Task WatchAsync(Socket connection)
    {
        var buffer = new byte[1024];
        try
        {
            while (await connection.ReceiveAsync(buffer, SocketFlags.None, _released.Token) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _held);
        }
    }
}
