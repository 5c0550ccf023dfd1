using Gateway.Audit.Options;
using Gateway.Proxy.Configuration;
using Gateway.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Tests.Configuration;

/// <summary>
/// The options read before the container exists (the data directory, the store, the credentials root): each is bound from
/// its keys, keeps its default when they are unset, and a bad value stops the start with a message naming the key.
/// </summary>
public sealed class StartupOptionsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gw-startup-options-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void ReadDataOptions_DataDirectoryBlank_FailsNamingTheKey()
    {
        var error = Assert.Throws<OptionsValidationException>(() => ReadData(("Gateway:DataDirectory", " ")));

        Assert.Contains("Gateway:DataDirectory must be a directory path", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadDataOptions_DataDirectoryUnset_IsDotGatewayDataUnderTheContentRoot()
    {
        var data = ReadData();

        Assert.Equal(Path.Combine(_directory, ".gateway-data"), data.DataDirectoryPath(Environment()));
    }

    [Fact]
    public void ReadCredentialsOptions_RootRelative_FailsNamingTheKey()
    {
        var error = Assert.Throws<OptionsValidationException>(() => StartupOptions.Read(
            Config(("Gateway:Credentials:Root", "credentials")), GatewayCredentialsOptions.SectionName, new GatewayCredentialsOptionsValidator()));

        Assert.Contains("Gateway:Credentials:Root must be an absolute path, not 'credentials'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadCredentialsOptions_VaultCacheTtlPastThirtySeconds_FailsNamingTheKey()
    {
        var error = Assert.Throws<OptionsValidationException>(() => StartupOptions.Read(
            Config(("Gateway:Credentials:VaultCacheTtl", "00:00:31")), GatewayCredentialsOptions.SectionName, new GatewayCredentialsOptionsValidator()));

        Assert.Contains("Gateway:Credentials:VaultCacheTtl must be between 00:00:00 and 00:00:30, not 00:00:31.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadCredentialsOptions_VaultCacheTtlUnset_IsOneSecond()
    {
        var credentials = StartupOptions.Read(Config(), GatewayCredentialsOptions.SectionName, new GatewayCredentialsOptionsValidator());

        Assert.Equal(TimeSpan.FromSeconds(1), credentials.VaultCacheTtl);
    }

    [Fact]
    public void ReadStoreOptions_UnknownKind_FailsNamingTheKey()
    {
        var error = Assert.Throws<OptionsValidationException>(() => StateStoreOptions.Read(Config(("Gateway:Store:Kind", "etcd"))));

        Assert.Contains("Gateway:Store:Kind 'etcd' is not supported; use 'memory' or 'redis'.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadStoreOptions_LogSealCharactersBelowOne_FailsNamingTheKey()
    {
        var error = Assert.Throws<OptionsValidationException>(() => StateStoreOptions.Read(Config(("Gateway:Store:Memory:LogSealCharacters", "0"))));

        Assert.Contains("Gateway:Store:Memory:LogSealCharacters must be at least 1, not 0.", error.Message, StringComparison.Ordinal);
        Assert.Equal(InMemoryStateStore.DefaultSealThresholdChars, StateStoreOptions.Read(Config()).Memory.LogSealCharacters);
    }

    [Fact]
    public void ReadStoreOptions_SwitchNotABoolean_FailsNamingTheKey()
    {
        var error = Assert.ThrowsAny<InvalidOperationException>(() => StateStoreOptions.Read(Config(("Gateway:Store:CompleteWaitersInline", "sometimes"))));

        Assert.Contains("Gateway:Store:CompleteWaitersInline", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadStoreOptions_Unset_IsTheEmbeddedStoreWithBothSwitchesOn()
    {
        var store = StateStoreOptions.Read(Config());

        Assert.False(store.IsRedis);
        Assert.True(store.CompleteWaitersInline);
        Assert.True(store.CompleteGroupsInline);
        Assert.Null(store.Memory.Directory);
        Assert.True(StateStoreOptions.Read(Config(("Gateway:Store:Kind", "Redis"))).IsRedis);
    }

    [Fact]
    public void ApplyDefaults_EmbeddedStoreNothingConfigured_WritesTheStoreSinkAndTheDirectoriesUnderTheDataDirectory()
    {
        var configuration = Config();

        ReadData(configuration).ApplyDefaults(configuration, _directory, StateStoreOptions.Read(configuration), postgres: false);

        Assert.Equal(AuditOptions.StoreSink, configuration["Gateway:Audit:Sink"]);
        Assert.Equal(Path.Combine(_directory, "state"), configuration["Gateway:Store:Memory:Directory"]);
        Assert.Equal(Path.Combine(_directory, "audit"), configuration["Gateway:Audit:Directory"]);
    }

    [Fact]
    public void ApplyDefaults_EmbeddedStoreWithChainsAlreadyOnFile_KeepsTheFileSink()
    {
        var audit = Directory.CreateDirectory(Path.Combine(_directory, "audit")).FullName;
        File.WriteAllText(Path.Combine(audit, "acme@gw-1" + Gateway.Audit.FileAuditStore.FileSuffix), string.Empty);
        var configuration = Config();

        ReadData(configuration).ApplyDefaults(configuration, _directory, StateStoreOptions.Read(configuration), postgres: false);

        Assert.Equal(AuditOptions.FileSink, configuration["Gateway:Audit:Sink"]);
    }

    [Fact]
    public void ApplyDefaults_EmbeddedStoreKeepingNothingOnDisk_KeepsTheAuditOnFile()
    {
        var configuration = Config(("Gateway:Store:Memory:Directory", ""));

        ReadData(configuration).ApplyDefaults(configuration, _directory, StateStoreOptions.Read(configuration), postgres: false);

        Assert.Equal(AuditOptions.FileSink, configuration["Gateway:Audit:Sink"]);
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("\t")]
    public void ApplyDefaults_WhitespaceStateDirectory_KeepsTheAuditOnFile(string directory)
    {
        var configuration = Config(("Gateway:Store:Memory:Directory", directory));

        ReadData(configuration).ApplyDefaults(configuration, _directory, StateStoreOptions.Read(configuration), postgres: false);

        Assert.Equal(AuditOptions.FileSink, configuration["Gateway:Audit:Sink"]);
        Assert.Equal(directory, configuration["Gateway:Store:Memory:Directory"]);
    }

    [Fact]
    public void ApplyDefaults_RedisStoreWithPostgres_WritesThePostgresSinkAndNoStateDirectory()
    {
        var configuration = Config(("Gateway:Store:Kind", "redis"));

        ReadData(configuration).ApplyDefaults(configuration, _directory, StateStoreOptions.Read(configuration), postgres: true);

        Assert.Equal(AuditOptions.PostgresSink, configuration["Gateway:Audit:Sink"]);
        Assert.Null(configuration["Gateway:Store:Memory:Directory"]);
    }

    [Fact]
    public void ApplyDefaults_ValuesConfigured_AreKeptAnEmptyStateDirectoryIncluded()
    {
        var configuration = Config(("Gateway:Audit:Sink", "store"), ("Gateway:Audit:Directory", "/var/audit"), ("Gateway:Store:Memory:Directory", ""));

        ReadData(configuration).ApplyDefaults(configuration, _directory, StateStoreOptions.Read(configuration), postgres: true);

        Assert.Equal("store", configuration["Gateway:Audit:Sink"]);
        Assert.Equal("/var/audit", configuration["Gateway:Audit:Directory"]);
        Assert.Equal(string.Empty, configuration["Gateway:Store:Memory:Directory"]);
    }

    [Fact]
    public void AddGatewayCore_CredentialsRootRelative_RefusesToStartNamingTheKey()
    {
        var configuration = Config(("Gateway:DataDirectory", _directory), ("Gateway:Credentials:Root", "relative/credentials"));

        var error = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddGatewayCore(configuration, Environment()));

        Assert.Contains("Gateway:Credentials:Root must be an absolute path", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddGatewayCore_CredentialsRootIsFilesystemRoot_RefusesToStart()
    {
        var configuration = Config(("Gateway:DataDirectory", _directory), ("Gateway:Credentials:Root", "/"));

        var error = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddGatewayCore(configuration, Environment()));

        Assert.Contains("Gateway:Credentials:Root must not be the filesystem root nor be, hold or lie in /proc, /sys or /dev, not '/'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/proc", true)]
    [InlineData("/proc/self", true)]
    [InlineData("/sys/kernel", true)]
    [InlineData("/dev/", true)]
    [InlineData("/var/../", true)]
    [InlineData("/var/run/gateway/credentials", false)]
    [InlineData("/procs", false)]
    public void ReadCredentialsOptions_RootExposingSystemFiles_FailsNamingTheKey(string root, bool refused)
    {
        var read = () => StartupOptions.Read(Config(("Gateway:Credentials:Root", root)), GatewayCredentialsOptions.SectionName, new GatewayCredentialsOptionsValidator());

        if (refused)
        {
            Assert.Contains("Gateway:Credentials:Root must not be the filesystem root", Assert.Throws<OptionsValidationException>(read).Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(root, read().Root);
        }
    }

    private GatewayDataOptions ReadData(params (string Key, string? Value)[] settings) => ReadData(Config(settings));

    private static GatewayDataOptions ReadData(IConfiguration configuration) =>
        StartupOptions.Read(configuration, GatewayDataOptions.SectionName, new GatewayDataOptionsValidator());

    private static IConfigurationRoot Config(params (string Key, string? Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(static s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    private HostingEnvironment Environment() =>
        new() { EnvironmentName = Environments.Development, ApplicationName = "gateway", ContentRootPath = _directory };
}
