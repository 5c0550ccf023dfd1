using System.Diagnostics;
using System.Globalization;
using Gateway.Testing;

namespace Gateway.Store.Tests;

/// <summary>The test servers' ports: one handed out here is held against every other test process until this one ends.</summary>
public sealed class FreePortTests
{
    [Fact]
    public async Task Next_PortHandedOut_AnotherProcessCannotReserveIt()
    {
        var port = FreePort.Next();

        // flock(1) takes the same kind of lock another test process's FreePort would: refused at once (-n), exit 1.
        Assert.Equal(1, await FlockAsync(Path.Combine(FreePort.ReservationDirectory, port.ToString(CultureInfo.InvariantCulture))));
    }

    [Fact]
    public async Task Next_PortNeverHandedOut_AnotherProcessCanReserveIt()
    {
        // The control: a file no FreePort holds is locked by flock(1) without trouble, so the refusal above is the reservation's.
        var unheld = Path.Combine(FreePort.ReservationDirectory, "unheld-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(FreePort.ReservationDirectory);
        try
        {
            Assert.Equal(0, await FlockAsync(unheld));
        }
        finally
        {
            File.Delete(unheld);
        }
    }

    [Fact]
    public void Next_ManyCalls_NeverTheSamePortTwice()
    {
        var ports = Enumerable.Range(0, 200).Select(_ => FreePort.Next()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
    }

    private static async Task<int> FlockAsync(string path)
    {
        using var flock = Process.Start(new ProcessStartInfo("flock", ["-n", path, "true"]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("flock did not start");
        await flock.WaitForExitAsync();
        return flock.ExitCode;
    }
}
