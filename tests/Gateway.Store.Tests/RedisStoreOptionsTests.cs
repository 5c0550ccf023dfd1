using Gateway.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;

namespace Gateway.Store.Tests;

/// <summary>Options validation and the <c>AddGatewayStateStore</c> registration.</summary>
public sealed class RedisStoreOptionsTests
{
    [Fact]
    public void Validate_Defaults_NoErrors()
    {
        Assert.Empty(new RedisStoreOptions().Validate());
    }

    [Fact]
    public void Validate_ManyProblems_ReportsEveryOne()
    {
        var options = new RedisStoreOptions
        {
            Endpoint = "no-port",
            User = "alice",
            Database = -1,
            CommandTimeout = TimeSpan.Zero,
            ReconnectMinBackoff = TimeSpan.FromSeconds(5),
            ReconnectMaxBackoff = TimeSpan.FromSeconds(1),
            CaCertificatePath = "/does/not/exist.pem",
        };

        var errors = options.Validate();

        Assert.Contains(errors, e => e.Contains("Endpoint", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Password", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Database", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("CommandTimeout", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("ReconnectMaxBackoff", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("UseTls", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("does not exist", StringComparison.Ordinal));
        Assert.Equal(7, errors.Count);
    }

    [Theory]
    [InlineData("localhost:6379")]
    [InlineData("10.0.0.5:1")]
    [InlineData("[::1]:6380")]
    public void Validate_WellFormedEndpoints_Accepted(string endpoint)
    {
        Assert.Empty(new RedisStoreOptions { Endpoint = endpoint }.Validate());
    }

    [Theory]
    [InlineData("")]
    [InlineData("localhost")]
    [InlineData("localhost:0")]
    [InlineData("localhost:70000")]
    [InlineData("::1:6379")]
    public void Validate_MalformedEndpoints_Rejected(string endpoint)
    {
        Assert.Single(new RedisStoreOptions { Endpoint = endpoint }.Validate());
    }

    [Fact]
    public void Defaults_BatchAdmissionsOfAtMostSixtyFour()
    {
        var options = new RedisStoreOptions();

        Assert.True(options.BatchAdmissions);
        Assert.Equal(64, options.MaxAdmissionBatch);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(RedisStoreOptions.MaxAdmissionBatchLimit + 1)]
    public void Validate_MaxAdmissionBatchOutOfRange_Rejected(int batch)
    {
        var error = Assert.Single(new RedisStoreOptions { MaxAdmissionBatch = batch }.Validate());

        Assert.Contains("MaxAdmissionBatch", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(ReplicaShards.Max + 1)]
    public void Validate_AdmissionShardsOutOfRange_Rejected(int shards)
    {
        var error = Assert.Single(new RedisStoreOptions { AdmissionShards = shards }.Validate());

        Assert.Contains("AdmissionShards must be from 1 to 64", error, StringComparison.Ordinal);
    }

    [Fact]
    public void EffectiveAdmissionShards_Unset_IsHalfTheCoresFromOneToEight()
    {
        Assert.Equal(1, new RedisStoreOptions().EffectiveAdmissionShards);
        Assert.Equal(ReplicaShards.Max, new RedisStoreOptions { AdmissionShards = ReplicaShards.Max }.EffectiveAdmissionShards);
    }

    [Fact]
    public async Task AddGatewayStateStore_Redis_BindsAdmissionBatchOptions()
    {
        await using var provider = Build(new()
        {
            ["Gateway:Store:Kind"] = "redis",
            ["Gateway:Store:Redis:BatchAdmissions"] = "false",
            ["Gateway:Store:Redis:MaxAdmissionBatch"] = "8",
            ["Gateway:Store:Redis:AdmissionShards"] = "3",
        });
        provider.GetRequiredService<IStartupValidator>().Validate();

        var options = provider.GetRequiredService<IOptions<RedisStoreOptions>>().Value;

        Assert.False(options.BatchAdmissions);
        Assert.Equal(8, options.MaxAdmissionBatch);
        Assert.Equal(3, options.AdmissionShards);
    }

    [Fact]
    public async Task Validate_UntrustedCertificateOutsideDevelopment_IsRefused()
    {
        Dictionary<string, string?> settings = new()
        {
            ["Gateway:Store:Kind"] = "redis",
            ["Gateway:Store:Redis:UseTls"] = "true",
            ["Gateway:Store:Redis:AllowUntrustedCertificate"] = "true",
        };
        await using var production = Build(settings, Environments.Production);
        await using var unknown = Build(settings);
        await using var development = Build(settings, Environments.Development);

        var error = Assert.Throws<OptionsValidationException>(() => production.GetRequiredService<IStartupValidator>().Validate());

        Assert.StartsWith("Gateway:Store:Redis: AllowUntrustedCertificate is for tests only and is refused outside Development", Assert.Single(error.Failures), StringComparison.Ordinal);
        Assert.Throws<OptionsValidationException>(() => unknown.GetRequiredService<IStartupValidator>().Validate());
        development.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public void Validate_TimeoutsBeyondAMinute_Rejected()
    {
        var errors = new RedisStoreOptions { ConnectTimeout = TimeSpan.FromDays(10), CommandTimeout = TimeSpan.FromSeconds(61) }.Validate();

        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("ConnectTimeout must be positive and at most 00:01:00", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("CommandTimeout must be positive and at most 00:01:00", StringComparison.Ordinal));
        Assert.Empty(new RedisStoreOptions { ConnectTimeout = TimeSpan.FromMinutes(1), CommandTimeout = TimeSpan.FromMinutes(1) }.Validate());
    }

    [Fact]
    public void ToString_WithPassword_NeverPrintsIt()
    {
        var text = new RedisStoreOptions { User = "gw", Password = "hunter2" }.ToString();

        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.Contains("Password = ***", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddGatewayStateStore_NoKind_RegistersInMemoryStore()
    {
        await using var provider = Build([]);

        Assert.IsType<InMemoryStateStore>(provider.GetRequiredService<IStateStore>());
    }

    [Fact]
    public void AddGatewayStateStore_UnknownKind_ThrowsNamingTheKey()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Build(new() { ["Gateway:Store:Kind"] = "etcd" }));

        Assert.Contains("Gateway:Store:Kind", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddGatewayStateStore_RedisWithInvalidOptions_FailsAtStartUpListingEveryError()
    {
        await using var provider = Build(new()
        {
            ["Gateway:Store:Kind"] = "redis",
            ["Gateway:Store:Redis:Endpoint"] = "bad",
            ["Gateway:Store:Redis:Database"] = "-2",
            ["Gateway:Store:Redis:CommandTimeout"] = "00:00:00",
        });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Equal(3, error.Failures.Count());
        Assert.All(error.Failures, f => Assert.StartsWith("Gateway:Store:Redis:", f, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddGatewayStateStore_Redis_BindsOptionsAndServesFromRedis()
    {
        await using var server = await RedisServer.StartAsync(password: "pw");
        await using var provider = Build(new()
        {
            ["Gateway:Store:Kind"] = "Redis",
            ["Gateway:Store:Redis:Endpoint"] = server.Endpoint,
            ["Gateway:Store:Redis:ConnectTimeout"] = "00:00:10",
            ["Gateway:Store:Redis:Password"] = "pw",
            ["Gateway:Store:Redis:Database"] = "2",
            ["Gateway:Store:Redis:CommandTimeout"] = "00:00:00.750",
        });
        provider.GetRequiredService<IStartupValidator>().Validate();

        var options = provider.GetRequiredService<IOptions<RedisStoreOptions>>().Value;
        var store = Assert.IsType<RedisStateStore>(provider.GetRequiredService<IStateStore>());
        await store.SetAsync("di:key", "from redis", null);

        Assert.Equal(TimeSpan.FromMilliseconds(750), options.CommandTimeout);
        Assert.Equal(2, options.Database);
        Assert.Same(store, provider.GetRequiredService<IStateStore>());
        Assert.Equal("from redis", await store.GetAsync("di:key"));
    }

    [Fact]
    public async Task AddGatewayStateStore_ClusterAndSentinelSettings_BindFromConfiguration()
    {
        await using var provider = Build(new()
        {
            ["Gateway:Store:Kind"] = "redis",
            ["Gateway:Store:Redis:Topology"] = "sentinel",
            ["Gateway:Store:Redis:Endpoints:0"] = "sentinel-0:26379",
            ["Gateway:Store:Redis:Endpoints:1"] = "sentinel-1:26379",
            ["Gateway:Store:Redis:Endpoints:2"] = "sentinel-2:26379",
            ["Gateway:Store:Redis:ServiceName"] = "gateway",
            ["Gateway:Store:Redis:SentinelPassword"] = "watch",
            ["Gateway:Store:Redis:ReplicaAcknowledgements"] = "2",
            ["Gateway:Store:Redis:ReplicaAcknowledgementTimeout"] = "00:00:00.050",
        });
        provider.GetRequiredService<IStartupValidator>().Validate();

        var options = provider.GetRequiredService<IOptions<RedisStoreOptions>>().Value;

        Assert.Equal(RedisTopology.Sentinel, options.Topology);
        Assert.Equal(["sentinel-0:26379", "sentinel-1:26379", "sentinel-2:26379"], options.Endpoints);
        Assert.Equal("gateway", options.ServiceName);
        Assert.Equal(2, options.RequiredReplicaAcknowledgements);
        Assert.Equal(TimeSpan.FromMilliseconds(50), options.ReplicaAcknowledgementTimeout);
    }

    [Fact]
    public async Task AddGatewayStateStore_SentinelWithoutServiceName_FailsAtStartUp()
    {
        await using var provider = Build(new()
        {
            ["Gateway:Store:Kind"] = "redis",
            ["Gateway:Store:Redis:Topology"] = "Sentinel",
            ["Gateway:Store:Redis:Endpoints:0"] = "sentinel-0:26379",
            ["Gateway:Store:Redis:Database"] = "-1",
        });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Equal(2, error.Failures.Count());
        Assert.Contains(error.Failures, f => f.Contains("ServiceName is required", StringComparison.Ordinal));
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings, string? environment = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMetrics();
        if (environment is not null)
        {
            services.AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = environment });
        }

        services.AddGatewayStateStore(configuration);
        return services.BuildServiceProvider(validateScopes: true);
    }
}
