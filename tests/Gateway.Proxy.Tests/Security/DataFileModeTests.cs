using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Security;

/// <summary>
/// The data the embedded store and the file sinks write (the audit journal, its receipts and leaves, the state journal,
/// the vault, development keys) is readable by the gateway's own user only: files 0600, the directories it creates 0700
/// (issue #45.10).
/// </summary>
public sealed class DataFileModeTests
{
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    [Theory]
    [InlineData("store", "state" + "/logs/")]
    [InlineData("file", "/audit/")]
    public async Task Write_AuditJournalStateAndVault_AreOwnerOnly(string sink, string auditFiles)
    {
        await using var gw = await GovernedGateway.StartAsync(configure: builder =>
        {
            builder.Configuration["Gateway:Audit:Sink"] = sink;
            builder.Configuration["Gateway:Store:Memory:LogSealCharacters"] = "1";
        });
        using var response = await gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"crm.read_contact","args":{"id":"c-1"}}""");
        Assert.NotEmpty(await gw.AuditRecordsAsync(response.Headers.GetValues("X-Request-Id").Single()));
        var dataDirectory = gw.Host.Services.GetRequiredService<IConfiguration>()["Gateway:DataDirectory"]!;
        string[] Files() => Directory.GetFiles(dataDirectory, "*", SearchOption.AllDirectories);

        // The store sink's records reach their log file once a background sealing has moved them there.
        await Gateway.Testing.Eventually.HoldsAsync(
            () => Files().Any(f => f.Contains(auditFiles, StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "no audit file under " + auditFiles);
        var files = Files();
        var directories = Directory.GetDirectories(dataDirectory, "*", SearchOption.AllDirectories);

        Assert.Contains(files, f => f.Contains(Path.DirectorySeparatorChar + "state" + Path.DirectorySeparatorChar, StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("credentials.json", StringComparison.Ordinal));
        Assert.All(files.Concat(directories), AssertOwnerOnly);
    }

    private static void AssertOwnerOnly(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            Assert.True((mode & GroupOrOther) == 0, $"{path} is {mode}");
        }
    }
}
