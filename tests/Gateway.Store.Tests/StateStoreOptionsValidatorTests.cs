using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Store.Tests;

/// <summary>
/// Outside Development the embedded store must keep a journal: an empty or blank <c>Gateway:Store:Memory:Directory</c> is
/// refused at start-up unless <c>Gateway:Store:Memory:Volatile</c> is true, which is warned about at start.
/// </summary>
public sealed class StateStoreOptionsValidatorTests
{
    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public async Task Validate_EmptyDirectoryOutsideDevelopment_IsRefusedNamingTheOptIn(string directory)
    {
        await using var production = Build(Environments.Production, ("Gateway:Store:Memory:Directory", directory));
        await using var unknown = Build(null, ("Gateway:Store:Memory:Directory", directory));

        var error = Assert.Throws<OptionsValidationException>(() => production.GetRequiredService<IStartupValidator>().Validate());

        Assert.StartsWith("Gateway:Store:Memory:Directory is empty outside Development", Assert.Single(error.Failures), StringComparison.Ordinal);
        Assert.Contains("Gateway:Store:Memory:Volatile=true", error.Message, StringComparison.Ordinal);
        Assert.Throws<OptionsValidationException>(() => unknown.GetRequiredService<IStartupValidator>().Validate());
    }

    [Fact]
    public async Task Validate_EmptyDirectoryInDevelopmentOrWithADirectoryOrRedis_Starts()
    {
        var journal = Directory.CreateTempSubdirectory("gw-store-options-");
        try
        {
            await using var development = Build(Environments.Development, ("Gateway:Store:Memory:Directory", ""));
            await using var durable = Build(Environments.Production, ("Gateway:Store:Memory:Directory", journal.FullName));
            await using var redis = Build(Environments.Production, ("Gateway:Store:Kind", "redis"), ("Gateway:Store:Memory:Directory", ""));

            development.GetRequiredService<IStartupValidator>().Validate();
            durable.GetRequiredService<IStartupValidator>().Validate();
            redis.GetRequiredService<IStartupValidator>().Validate();
            Assert.Empty(development.GetServices<IHostedService>());
        }
        finally
        {
            journal.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Start_EmptyDirectoryOptedInAsVolatile_StartsAndWarns()
    {
        var logs = new CapturedLogs();
        await using var provider = Build(Environments.Production, logs, ("Gateway:Store:Memory:Directory", ""), ("Gateway:Store:Memory:Volatile", "true"));

        provider.GetRequiredService<IStartupValidator>().Validate();
        foreach (var service in provider.GetServices<IHostedService>())
        {
            await service.StartAsync(CancellationToken.None);
        }

        var warning = Assert.Single(logs.Warnings);
        Assert.Contains("The embedded store keeps its state in memory only (Gateway:Store:Memory:Volatile is true)", warning, StringComparison.Ordinal);
        Assert.IsType<InMemoryStateStore>(provider.GetRequiredService<IStateStore>());
    }

    [Fact]
    public void Read_VolatileNotABoolean_FailsNamingTheKey()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([KeyValuePair.Create("Gateway:Store:Memory:Volatile", (string?)"sometimes")]).Build();

        var error = Assert.ThrowsAny<InvalidOperationException>(() => StateStoreOptions.Read(configuration));

        Assert.Contains("Gateway:Store:Memory:Volatile", error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Build(string? environment, params (string Key, string Value)[] settings) => Build(environment, new CapturedLogs(), settings);

    private static ServiceProvider Build(string? environment, CapturedLogs logs, params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(static s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(logs));
        services.AddMetrics();
        if (environment is not null)
        {
            services.AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = environment });
        }

        services.AddGatewayStateStore(configuration);
        return services.BuildServiceProvider(validateScopes: true);
    }

    /// <summary>The warnings logged, as formatted.</summary>
    private sealed class CapturedLogs : ILoggerProvider, ILogger
    {
        private readonly List<string> _warnings = [];

        public IReadOnlyList<string> Warnings
        {
            get
            {
                lock (_warnings)
                {
                    return [.. _warnings];
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                lock (_warnings)
                {
                    _warnings.Add(formatter(state, exception));
                }
            }
        }

        public void Dispose()
        {
        }
    }
}
