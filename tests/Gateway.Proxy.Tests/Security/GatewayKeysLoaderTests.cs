using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Gateway.Proxy.Security;

namespace Gateway.Proxy.Tests.Security;

public sealed class GatewayKeysLoaderTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "gw-keys-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    [Fact]
    public void Load_ProductionWithoutKeys_RefusesToStartNamingEveryKey()
    {
        var error = Assert.Throws<InvalidOperationException>(() => GatewayKeysLoader.Load(Config(), new Environment("Production"), _dataDirectory));

        Assert.Contains("DATA_ENCRYPTION_KEY", error.Message, StringComparison.Ordinal);
        Assert.Contains("DECISION_SIGNING_KEY", error.Message, StringComparison.Ordinal);
        Assert.Contains("GATEWAY_SERVICE_KEY", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dataDirectory));
    }

    [Fact]
    public void Load_ProductionWithEqualDataAndSigningKeys_RefusesToStart()
    {
        var shared = NewKey();

        Assert.ThrowsAny<Exception>(() => GatewayKeysLoader.Load(
            Config(("DATA_ENCRYPTION_KEY", shared), ("DECISION_SIGNING_KEY", shared), ("GATEWAY_SERVICE_KEY", NewKey())),
            new Environment("Production"),
            _dataDirectory));
    }

    [Fact]
    public void Load_ProductionWithShortKey_RefusesToStart()
    {
        var error = Assert.Throws<InvalidOperationException>(() => GatewayKeysLoader.Load(
            Config(("DATA_ENCRYPTION_KEY", NewKey()), ("DECISION_SIGNING_KEY", Convert.ToBase64String(new byte[16])), ("GATEWAY_SERVICE_KEY", NewKey())),
            new Environment("Production"),
            _dataDirectory));

        Assert.Contains("DECISION_SIGNING_KEY", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ProductionWithThreeDistinctKeys_LoadsAndSelfTests()
    {
        var keys = GatewayKeysLoader.Load(
            Config(("DATA_ENCRYPTION_KEY", NewKey()), ("DECISION_SIGNING_KEY", NewKey()), ("GATEWAY_SERVICE_KEY", NewKey())),
            new Environment("Production"),
            _dataDirectory);

        Assert.False(keys.Ephemeral);
        Assert.Equal(32, keys.DecisionSigningKey.Length);
        Assert.DoesNotContain("=", keys.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DevelopmentWithoutKeys_GeneratesThemOnceAndKeepsThemPrivate()
    {
        var first = GatewayKeysLoader.Load(Config(), new Environment("Development"), _dataDirectory);
        var second = GatewayKeysLoader.Load(Config(), new Environment("Development"), _dataDirectory);

        Assert.True(first.Ephemeral);
        Assert.True(first.DecisionSigningKey.Span.SequenceEqual(second.DecisionSigningKey.Span));
        Assert.False(first.DecisionSigningKey.Span.SequenceEqual(first.ServiceKey.Span));
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(Path.Combine(_dataDirectory, "dev-keys.json"));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        }
    }

    [Fact]
    public void Load_DevelopmentWithAWorldReadableTemporaryLeftOpen_WritesTheKeysIntoANewFile0600Only()
    {
        Directory.CreateDirectory(_dataDirectory);
        var temporary = Path.Combine(_dataDirectory, "dev-keys.json.tmp");
        using var stale = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        stale.Write("stale"u8);
        stale.Flush();
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        var keys = GatewayKeysLoader.Load(Config(), new Environment("Development"), _dataDirectory);

        stale.Position = 0;
        Assert.Equal("stale", new StreamReader(stale).ReadToEnd());
        var written = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(Path.Combine(_dataDirectory, "dev-keys.json")))!;
        Assert.Equal(Convert.ToBase64String(keys.ServiceKey.Span), written["GATEWAY_SERVICE_KEY"]);
        Assert.False(File.Exists(temporary));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dataDirectory, "dev-keys.json")));
        }
    }

    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private sealed class Environment(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;

        public string ApplicationName { get; set; } = "gateway";

        public string ContentRootPath { get; set; } = Path.GetTempPath();

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
