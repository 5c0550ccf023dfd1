using System.Net;
using System.Net.Sockets;

namespace Gateway.Testing;

/// <summary>
/// Finds a TCP port on loopback that nothing listens on right now, below the kernel's ephemeral range:
/// a port chosen by binding 0 lies inside that range, where an outgoing connection of a concurrent test
/// can take it between this check and the caller's bind. Ports handed out by this process are not
/// handed out again.
/// </summary>
public static class FreePort
{
    private const int Lowest = 20_000;
    private const string EphemeralRange = "/proc/sys/net/ipv4/ip_local_port_range";
    private static readonly int EphemeralLow = ReadEphemeralLow();
    private static readonly HashSet<int> HandedOut = [];

    public static int Next()
    {
        for (var attempt = 0; attempt < 1_000; attempt++)
        {
            var port = Random.Shared.Next(Lowest, EphemeralLow);
            lock (HandedOut)
            {
                if (HandedOut.Contains(port) || !IsFree(port))
                {
                    continue;
                }

                HandedOut.Add(port);
                return port;
            }
        }

        // Everything below the ephemeral range looks taken: let the kernel choose.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int ReadEphemeralLow()
    {
        try
        {
            var first = File.ReadAllText(EphemeralRange).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0];
            return int.TryParse(first, out var low) && low > Lowest + 1_000 ? low : 60_000;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return 60_000;
        }
    }
}
