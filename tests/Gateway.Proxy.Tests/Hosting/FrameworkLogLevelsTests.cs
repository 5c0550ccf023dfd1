using Gateway.Proxy.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>
/// The framework's per-request categories stay at <c>Warning</c> (ASP.NET Core's hosting one off) on the real console
/// provider whatever a provider's own <c>Default</c> says, and configuration that names the category itself (for all providers or for one) still sets it.
/// </summary>
public sealed class FrameworkLogLevelsTests
{
    private const string Hosting = "Microsoft.AspNetCore.Hosting.Diagnostics";

    [Theory]
    [InlineData("Logging:Console:LogLevel:Default")]
    [InlineData("Logging:Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider:LogLevel:Default")]
    [InlineData("Logging:LogLevel:Default")]
    public void ProvidersDefault_AtInformation_LeavesEverySensitiveCategoryAtWarning(string key)
    {
        using var host = Build((key, "Information"));
        var loggers = host.Services.GetRequiredService<ILoggerFactory>();

        // Off at every level: while it is on, ASP.NET Core opens each request's scope with the path as sent.
        Assert.False(loggers.CreateLogger(Hosting).IsEnabled(LogLevel.Critical), Hosting + " is on");
        foreach (var category in new[] { "Microsoft.AspNetCore.Http.Result.RedirectResult", "Yarp.ReverseProxy.Forwarder.HttpForwarder", "System.Net.Http.HttpClient.crm.LogicalHandler" })
        {
            Assert.False(loggers.CreateLogger(category).IsEnabled(LogLevel.Information), category + " is on at Information");
            Assert.True(loggers.CreateLogger(category).IsEnabled(LogLevel.Warning), category + " is off at Warning");
        }

        Assert.True(loggers.CreateLogger("Gateway.Proxy.Telemetry").IsEnabled(LogLevel.Information));
    }

    [Theory]
    [InlineData("Logging:LogLevel:" + Hosting)]
    [InlineData("Logging:Console:LogLevel:" + Hosting)]
    public void Category_SetInConfiguration_WinsOverTheDefaultEvenBesideAProvidersDefault(string key)
    {
        using var host = Build(("Logging:Console:LogLevel:Default", "Warning"), (key, "Information"));

        Assert.True(host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(Hosting).IsEnabled(LogLevel.Information));
    }

    [Fact]
    public void Category_SetInConfigurationForAnotherProvider_LeavesTheConsoleAtWarning()
    {
        using var host = Build(("Logging:Console:LogLevel:Default", "Information"), ("Logging:OpenTelemetry:LogLevel:" + Hosting, "Information"));

        Assert.False(host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(Hosting).IsEnabled(LogLevel.Information));
    }

    /// <summary>A host with only the console provider, configured by <paramref name="settings"/> above the defaults.</summary>
    private static IHost Build(params (string Key, string? Value)[] settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings.Select(static s => KeyValuePair.Create(s.Key, s.Value)));
        FrameworkLogLevels.Apply(builder);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging")).AddConsole();
        return builder.Build();
    }
}
