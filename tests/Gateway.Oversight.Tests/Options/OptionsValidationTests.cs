using Gateway.Audit.Options;
using Gateway.Oversight.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Oversight.Tests.Options;

public sealed class OptionsValidationTests
{
    [Fact]
    public void Validate_SeveralBadSettings_ReportsEveryError()
    {
        var options = new OversightOptions
        {
            Audit = new AuditOptions { Sink = "s3" },
            Incidents = new IncidentOptions { WebhookUrl = new Uri("http://hooks.example.com/x"), MaxAttempts = 0 },
        };

        var result = new OversightOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Equal(3, result.Failures!.Count());
    }

    [Theory]
    [InlineData(0.5, 16384, "Gateway:Runs:Retention")]
    [InlineData(24 * 400, 16384, "Gateway:Runs:Retention")]
    [InlineData(24, 100, "Gateway:Runs:MaxEventBytes")]
    [InlineData(24, 2 * 1024 * 1024, "Gateway:Runs:MaxEventBytes")]
    public void Validate_RunSettingOutOfBounds_IsNamed(double retentionHours, int maxEventBytes, string named)
    {
        var options = new OversightOptions { Runs = new RunOptions { Retention = TimeSpan.FromHours(retentionHours), MaxEventBytes = maxEventBytes } };

        var result = new OversightOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.StartsWith(named, Assert.Single(result.Failures!), StringComparison.Ordinal);
        Assert.True(new OversightOptionsValidator().Validate(null, new OversightOptions()).Succeeded);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Validate_IncidentOutboxCapacityBelowOne_IsNamed(int capacity)
    {
        var options = new OversightOptions { Incidents = new IncidentOptions { OutboxCapacity = capacity } };

        var result = new OversightOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.StartsWith("Gateway:Incidents:OutboxCapacity", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RetentionWithoutExportDirectoryOnTheStoreSink_ReportsEveryError()
    {
        var options = new OversightOptions
        {
            Audit = new AuditOptions
            {
                Sink = AuditOptions.StoreSink,
                Retention = new AuditRetentionOptions
                {
                    MaxAge = TimeSpan.FromDays(-1),
                    Tenants = new(StringComparer.Ordinal) { ["Not A Slug"] = TimeSpan.FromDays(30) },
                },
            },
        };

        var result = new OversightOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Equal(4, failures.Count);
        Assert.Contains(failures, static f => f.Contains("ExportDirectory is required", StringComparison.Ordinal));
        Assert.Contains(failures, static f => f.Contains("does not retire", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_RecordsRetentionNonPositiveAgeAndTooShortInterval_ReportsBoth()
    {
        var options = new OversightOptions
        {
            Records = new RecordsOptions { Retention = new RecordsRetentionOptions { MaxAge = TimeSpan.Zero, Interval = TimeSpan.FromMilliseconds(10) } },
        };

        var failures = new OversightOptionsValidator().Validate(null, options).Failures!.ToList();

        Assert.Equal(2, failures.Count);
        Assert.Contains(failures, static f => f.Contains("Gateway:Records:Retention:MaxAge", StringComparison.Ordinal));
        Assert.Contains(failures, static f => f.Contains("Gateway:Records:Retention:Interval", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_RetentionOnTheFileSink_IsAccepted()
    {
        var options = new OversightOptions
        {
            Audit = new AuditOptions { Sink = AuditOptions.FileSink, Retention = new AuditRetentionOptions { MaxAge = TimeSpan.FromDays(30), ExportDirectory = "exports" } },
        };

        Assert.False(new OversightOptionsValidator().Validate(null, options).Failed);
    }

    [Fact]
    public void Validate_RetentionOnTheStoreSinkOfTheEmbeddedStore_IsAccepted()
    {
        var options = new OversightOptions
        {
            Audit = new AuditOptions { Sink = AuditOptions.StoreSink, Retention = new AuditRetentionOptions { MaxAge = TimeSpan.FromDays(30), ExportDirectory = "exports" } },
        };

        Assert.False(new OversightOptionsValidator(storeRetiresLogs: true).Validate(null, options).Failed);
        Assert.Contains(new OversightOptionsValidator(storeRetiresLogs: false).Validate(null, options).Failures!, static f => f.Contains("does not retire", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_RetentionOff_NeedsNoExportDirectory()
    {
        var result = new OversightOptionsValidator().Validate(null, new OversightOptions());

        Assert.False(result.Failed);
    }

    [Fact]
    public void Bind_RetentionTenantOverride_ReplacesTheDefaultAge()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Audit:Retention:MaxAge"] = "90.00:00:00",
            ["Gateway:Audit:Retention:Tenants:acme"] = "7.00:00:00",
            ["Gateway:Audit:Retention:ExportDirectory"] = "/var/lib/gateway/audit-exports",
        }).Build();

        var retention = configuration.GetSection("Gateway").Get<OversightOptions>()!.Audit.Retention;

        Assert.Equal(TimeSpan.FromDays(7), retention.AgeOf("acme"));
        Assert.Equal(TimeSpan.FromDays(90), retention.AgeOf("globex"));
    }

    [Fact]
    public async Task StartAsync_ShortDecisionKey_FailsAtStartUp()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddGatewayOversight(builder.Configuration, _ => new OversightKeys(new byte[8], new byte[8], new byte[8]));
        await using var app = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("decision signing key", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Gateway:Audit:Sink", "nowhere", "Gateway:Audit:Sink must be")]
    [InlineData("Gateway:Audit:ChainsPerReplica", "0", "Gateway:Audit:ChainsPerReplica must be between 1 and 64")]
    [InlineData("Gateway:Audit:ChainsPerReplica", "65", "Gateway:Audit:ChainsPerReplica must be between 1 and 64")]
    [InlineData("Gateway:Audit:GroupsInFlight", "0", "Gateway:Audit:GroupsInFlight must be between 1 and 16")]
    [InlineData("Gateway:Audit:GroupsInFlight", "17", "Gateway:Audit:GroupsInFlight must be between 1 and 16")]
    [InlineData("Gateway:Audit:OutcomeLinger", "00:00:00.101", "Gateway:Audit:OutcomeLinger must be between 0 and 100 ms")]
    [InlineData("Gateway:Audit:OutcomeLinger", "-00:00:00.001", "Gateway:Audit:OutcomeLinger must be between 0 and 100 ms")]
    public async Task StartAsync_BadConfiguration_FailsAtStartUp(string key, string value, string named)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        builder.Services.AddGatewayOversight(builder.Configuration, _ => Infrastructure.TestKeys.Keys);
        await using var app = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }
}
