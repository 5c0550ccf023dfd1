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

    [Fact]
    public async Task Write_AuditJournalStateAndVault_AreOwnerOnly()
    {
        await using var gw = await GovernedGateway.StartAsync();
        using var response = await gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"crm.read_contact","args":{"id":"c-1"}}""");
        Assert.NotEmpty(await gw.AuditRecordsAsync(response.Headers.GetValues("X-Request-Id").Single()));
        var dataDirectory = gw.Host.Services.GetRequiredService<IConfiguration>()["Gateway:DataDirectory"]!;

        var files = Directory.GetFiles(dataDirectory, "*", SearchOption.AllDirectories);
        var directories = Directory.GetDirectories(dataDirectory, "*", SearchOption.AllDirectories);

        Assert.Contains(files, f => f.Contains(Path.DirectorySeparatorChar + "audit" + Path.DirectorySeparatorChar, StringComparison.Ordinal));
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
