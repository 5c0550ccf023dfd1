using System.Diagnostics;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Audit.Tests;

/// <summary>
/// The embedded journal on a file system that fills up: a real, small tmpfs mounted for the test (the
/// tests run as root, as CI does). A group that does not fit is refused (the host answers 503
/// <c>audit_unavailable</c>) and cut off again, readiness goes unready, and once space returns the
/// same journal takes appends again and the chain verifies, with no restart.
/// </summary>
public sealed class AuditJournalDiskFullTests : IAsyncLifetime
{
    private readonly string _mount = Path.Combine(Path.GetTempPath(), "oversight-audit-full-" + Guid.NewGuid().ToString("N"));
    private readonly ManualTimeProvider _time = new();
    private bool _mounted;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_mount);
        await RunAsync("mount", "-t", "tmpfs", "-o", "size=512k,mode=0700", "tmpfs", _mount);
        _mounted = true;
    }

    public async Task DisposeAsync()
    {
        if (_mounted)
        {
            await RunAsync("umount", _mount);
        }

        Directory.Delete(_mount, recursive: true);
    }

    [Fact]
    public async Task AppendAsync_FileSystemFull_RefusedAndUnreadyThenContinuesWhenSpaceReturns()
    {
        var directory = Path.Combine(_mount, "audit");
        using var sink = TestServices.FileSink(directory);
        await sink.RecoverAllAsync();
        var journal = TestServices.Journal(sink, _time);
        var health = new AuditSinkHealthCheck(sink);
        var last = await journal.AppendAsync(Entry());
        var path = sink.PathOf(new AuditPartition("t1", TestServices.Replica));

        var filler = Path.Combine(_mount, "filler");
        FillUp(filler);

        // The journal file's last page may still have room for a few lines; the first group that needs a new page fails.
        AuditWriteException? refused = null;
        for (var i = 0; i < 64 && refused is null; i++)
        {
            try
            {
                last = await journal.AppendAsync(Entry());
            }
            catch (AuditWriteException ex)
            {
                refused = ex;
            }
        }

        Assert.NotNull(refused);
        Assert.IsAssignableFrom<IOException>(refused.InnerException);
        var kept = await File.ReadAllLinesAsync(path);
        Assert.Equal(last.Seq, kept.Length);
        Assert.Contains($"\"hash\":\"{last.Hash}\"", kept[^1], StringComparison.Ordinal);
        await Assert.ThrowsAsync<AuditWriteException>(() => journal.AppendAsync(Entry()).AsTask());
        Assert.Equal(HealthStatus.Unhealthy, (await health.CheckHealthAsync(Context(health))).Status);
        Assert.Equal(HealthStatus.Unhealthy, (await health.CheckHealthAsync(Context(health))).Status);
        Assert.Empty(Directory.EnumerateFiles(directory, ".write-probe-*"));

        File.Delete(filler);

        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(Context(health))).Status);
        var next = await journal.AppendAsync(Entry());
        Assert.Equal(last.Seq + 1, next.Seq);
        Assert.Equal(last.Hash, next.PrevHash);
        var verified = await journal.VerifyAsync("t1");
        Assert.True(verified.Intact, verified.Reason);
        Assert.Equal(next.Seq, verified.Records);
    }

    /// <summary>Writes <paramref name="path"/> until the file system refuses another byte.</summary>
    private static void FillUp(string path)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1);
        var block = new byte[4096];
        try
        {
            while (true)
            {
                stream.Write(block);
            }
        }
        catch (IOException)
        {
            // Full: now single bytes, so that not even a small line fits.
        }

        try
        {
            while (true)
            {
                stream.Write(block.AsSpan(0, 1));
            }
        }
        catch (IOException)
        {
        }
    }

    private static AuditEntry Entry() => AuditJournalFailureTests.Entry();

    private static HealthCheckContext Context(IHealthCheck check) => AuditJournalFailureTests.Context(check);

    private static async Task RunAsync(string command, params string[] arguments)
    {
        var info = new ProcessStartInfo(command) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}");
    }
}
