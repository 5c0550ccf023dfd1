using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Gateway.Testing;

/// <summary>
/// Finds a TCP port on loopback that nothing listens on right now and no other test process has taken, below the
/// kernel's ephemeral range: a port chosen by binding 0 lies inside that range, where an outgoing connection of a
/// concurrent test can take it between this check and the caller's bind.
/// </summary>
/// <remarks>
/// A port handed out is reserved for the rest of this process's life by an exclusive lock on a file named after it in
/// <see cref="ReservationDirectory"/>: the test assemblies run side by side, and a port free when one process checked it
/// could otherwise be chosen by another before the first one's server bound it (or while that server is down for an
/// outage drill and starts again on the same port). The kernel drops the lock when the process ends, however it ends.
/// </remarks>
public static class FreePort
{
    private const int Lowest = 20_000;
    private const string EphemeralRange = "/proc/sys/net/ipv4/ip_local_port_range";
    private static readonly int EphemeralLow = ReadEphemeralLow();
    private static readonly Dictionary<int, FileStream> Reserved = [];

    /// <summary>Where the reservations of every test process on this machine are kept.</summary>
    public static string ReservationDirectory { get; } =
        Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "gw-ports-" + Environment.UserName)).FullName;

    /// <summary>A port nothing listens on and no test process holds; this process holds it from now on.</summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < 1_000; attempt++)
        {
            var port = Random.Shared.Next(Lowest, EphemeralLow);
            lock (Reserved)
            {
                if (Reserved.ContainsKey(port) || !TryReserve(port, out var reservation))
                {
                    continue;
                }

                if (!IsFree(port))
                {
                    reservation.Dispose();
                    continue;
                }

                Reserved.Add(port, reservation);
                return port;
            }
        }

        throw new InvalidOperationException($"No free loopback port between {Lowest} and {EphemeralLow} in 1000 tries.");
    }

    /// <summary>Whether a server accepts connections on loopback <paramref name="port"/> (refused: not yet, or no more).</summary>
    public static async Task<bool> ListensAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static bool TryReserve(int port, [NotNullWhen(true)] out FileStream? reservation)
    {
        try
        {
            // FileShare.None takes an exclusive flock on Unix: a second opener, in this process or another, is refused.
            reservation = new FileStream(Path.Combine(ReservationDirectory, port.ToString(CultureInfo.InvariantCulture)),
                FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return true;
        }
        catch (IOException)
        {
            reservation = null;
            return false;
        }
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
