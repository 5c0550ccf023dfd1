using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Gateway.Proxy.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace Gateway.Proxy.Tests.Configuration;

/// <summary>
/// The gateway's configuration files are reloaded by polling each file: a change to one still reaches the configuration,
/// and nothing watches the content root, under which the data directory is written on every request by default.
/// </summary>
public sealed partial class ConfigurationFilePollingTests : IDisposable
{
    private readonly string _contentRoot = Directory.CreateTempSubdirectory("gw-config-polling-").FullName;

    public ConfigurationFilePollingTests()
    {
        Directory.CreateDirectory(Path.Combine(_contentRoot, ".gateway-data"));
        File.WriteAllText(Path.Combine(_contentRoot, "appsettings.json"), """{ "Sample": { "Value": "one" } }""");
    }

    public void Dispose() => Directory.Delete(_contentRoot, recursive: true);

    [Fact]
    public async Task PollFiles_AConfigurationFileChanged_ReloadsIt()
    {
        var builder = WebApplication.CreateSlimBuilder(ConfigurationFilePolling.HostArguments(["--contentRoot", _contentRoot]));
        ConfigurationFilePolling.PollFiles(builder.Configuration, builder.Environment.ContentRootPath);
        Assert.Equal("one", builder.Configuration["Sample:Value"]);
        var reloaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = ChangeToken.OnChange(((IConfiguration)builder.Configuration).GetReloadToken, () =>
        {
            if (builder.Configuration["Sample:Value"] == "two")
            {
                reloaded.TrySetResult();
            }
        });

        await File.WriteAllTextAsync(Path.Combine(_contentRoot, "appsettings.json"), """{ "Sample": { "Value": "two" } }""");

        await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("two", builder.Configuration["Sample:Value"]);
    }

    [Fact]
    public void PollFiles_HostArguments_NoInotifyWatchOnTheContentRootOrTheDataDirectory()
    {
        var watched = new[] { _contentRoot, Path.Combine(_contentRoot, ".gateway-data") }.Select(Inode).ToHashSet();

        var polled = WebApplication.CreateSlimBuilder(ConfigurationFilePolling.HostArguments(["--contentRoot", _contentRoot]));
        ConfigurationFilePolling.PollFiles(polled.Configuration, polled.Environment.ContentRootPath);
        var afterPolled = InotifyWatchedInodes();

        // The probe sees the host's own default: a watcher over the content root and the directories below it.
        var watching = WebApplication.CreateSlimBuilder(["--contentRoot", _contentRoot]);
        var afterWatching = InotifyWatchedInodes();

        Assert.Empty(afterPolled.Intersect(watched));
        Assert.Equal(watched, afterWatching.Intersect(watched).ToHashSet());
        GC.KeepAlive(polled);
        GC.KeepAlive(watching);
    }

    // The inodes that this process's inotify instances watch (Linux: /proc/self/fdinfo).
    private static HashSet<long> InotifyWatchedInodes()
    {
        var inodes = new HashSet<long>();
        foreach (var fd in Directory.EnumerateFiles("/proc/self/fdinfo"))
        {
            string text;
            try
            {
                text = File.ReadAllText(fd);
            }
            catch (IOException)
            {
                continue; // closed while listed
            }

            foreach (Match match in InotifyWatch().Matches(text))
            {
                inodes.Add(long.Parse(match.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
        }

        return inodes;
    }

    private static long Inode(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["--format=%i", path]) { RedirectStandardOutput = true })!;
        var output = stat.StandardOutput.ReadToEnd();
        stat.WaitForExit();
        return long.Parse(output.Trim(), CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^inotify wd:\S+ ino:([0-9a-f]+)", RegexOptions.Multiline)]
    private static partial Regex InotifyWatch();
}
