using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Gateway.Cli.Tests;

/// <summary><c>gatewayctl doctor</c>: the environment's checks, their fixes and exit codes.</summary>
public sealed partial class PolicyCommandsTests
{
    [Fact]
    public async Task Doctor_EqualKeysAndUnreachableStore_Exits2WithFixes()
    {
        var key = Convert.ToBase64String(new byte[32]);
        var env = new Dictionary<string, string?>
        {
            ["DATA_ENCRYPTION_KEY"] = key,
            ["DECISION_SIGNING_KEY"] = key,
            ["GATEWAY_SERVICE_KEY"] = Convert.ToBase64String(Enumerable.Repeat((byte)7, 32).ToArray()),
            ["Gateway__Store__Kind"] = "redis",
            ["Gateway__Store__Redis__Endpoint"] = $"127.0.0.1:{Gateway.Testing.FreePort.Next()}",
        };

        var result = await CliRun.RunAsync(env, "doctor", "--policy", CliRun.ExampleBundle, "--json");

        Assert.Equal(2, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        var findings = json.RootElement.GetProperty("findings").EnumerateArray().ToDictionary(f => f.GetProperty("check").GetString()!, f => f);
        Assert.Equal("fail", findings["keys distinct"].GetProperty("status").GetString());
        Assert.Equal("fail", findings["store"].GetProperty("status").GetString());
        Assert.Equal("ok", findings["bundle"].GetProperty("status").GetString());
        Assert.All(findings.Values.Where(f => f.GetProperty("status").GetString() != "ok"), f => Assert.False(string.IsNullOrEmpty(f.GetProperty("fix").GetString())));
        Assert.DoesNotContain(key, result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_HealthyEnvironment_Exits0()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var env = new Dictionary<string, string?>
        {
            ["DATA_ENCRYPTION_KEY"] = Convert.ToBase64String(Enumerable.Repeat((byte)1, 32).ToArray()),
            ["DECISION_SIGNING_KEY"] = Convert.ToBase64String(Enumerable.Repeat((byte)2, 32).ToArray()),
            ["GATEWAY_SERVICE_KEY"] = Convert.ToBase64String(Enumerable.Repeat((byte)3, 32).ToArray()),
            ["Gateway__Store__Kind"] = "redis",
            ["Gateway__Store__Redis__Endpoint"] = $"127.0.0.1:{port}",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{port}",
            ["Gateway__Policy__BundlePath"] = CliRun.ExampleBundle,
        };

        var result = await CliRun.RunAsync(env, "doctor");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("0 failed", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_TheDemoFileOfMakeRun_ChecksItsBundleAndExits0WithProductionChecksAsNotes()
    {
        var demo = Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-doctor-").FullName, "demo.env");
        File.WriteAllText(demo, $"GATEWAY_URL=http://127.0.0.1:{Gateway.Testing.FreePort.Next()}\nGATEWAY_DEMO_BUNDLE={CliRun.ExampleBundle}\n");

        var result = await CliRun.RunAsync(new Dictionary<string, string?> { ["GATEWAY_DEMO_ENV"] = demo }, "doctor", "--json");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        using var json = JsonDocument.Parse(result.Out);
        var findings = json.RootElement.GetProperty("findings").EnumerateArray().ToDictionary(f => f.GetProperty("check").GetString()!, f => f.GetProperty("status").GetString());
        Assert.Equal("ok", findings["bundle"]);
        Assert.Equal("note", findings["key DATA_ENCRYPTION_KEY"]);
        Assert.Equal("note", findings["store"]);
        Assert.Contains("Development", json.RootElement.GetProperty("findings")[0].GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_ProductionWithoutKeys_Exits2()
    {
        var result = await CliRun.RunAsync(new Dictionary<string, string?> { ["ASPNETCORE_ENVIRONMENT"] = "Production" }, "doctor", "--policy", CliRun.ExampleBundle);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("fail  key DATA_ENCRYPTION_KEY", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_ClusterSeedsOneUnreachable_WarnsNamingIt()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var unreachable = $"127.0.0.1:{Gateway.Testing.FreePort.Next()}";
        var env = new Dictionary<string, string?>
        {
            ["Gateway__Store__Kind"] = "redis",
            ["Gateway__Store__Redis__Topology"] = "cluster",
            ["Gateway__Store__Redis__Endpoints__0"] = $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}",
            ["Gateway__Store__Redis__Endpoints__1"] = unreachable,
        };

        var result = await CliRun.RunAsync(env, "doctor", "--policy", CliRun.ExampleBundle, "--json");

        using var json = JsonDocument.Parse(result.Out);
        var store = json.RootElement.GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("check").GetString() == "store");
        Assert.Equal("warn", store.GetProperty("status").GetString());
        Assert.Contains(unreachable, store.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("1 of 2", store.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
