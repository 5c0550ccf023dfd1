using Microsoft.Extensions.Configuration.Memory;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// The levels the gateway gives the framework's per-request log lines unless configuration sets them: ASP.NET Core's
/// "Request starting/finished" (the path decoded, control characters and all, and the query whole: a secret an agent
/// sent there, a sign-in's code), its redirect result's "redirecting to" (an authorization code, a state, a link grant),
/// YARP's "Proxying to" (the upstream URL with the agent's arguments) and the HTTP client factory's "Start processing
/// HTTP request" (the URL's path: a chat webhook's credential) are written at <c>Information</c>, so they default to
/// <c>Warning</c>; the first to <c>None</c>, since its category also opens the request's scope with the path as sent, and
/// the console shows scopes (the gateway's own holds the request id). The gateway's factory clients have no logging handlers at all besides (<c>AddGatewayTelemetry</c>).
/// A provider's own rules beat the general ones whatever their category (<c>Logging:Console:LogLevel:Default</c> over
/// <c>Logging:LogLevel:&lt;category&gt;</c>), so every provider that has rules of its own gets the general rules of
/// these categories as its own too, beneath its own (<see cref="KeepForEveryProvider"/>).
/// </summary>
internal static class FrameworkLogLevels
{
    /// <summary>The categories whose lines may carry what must not leave the gateway.</summary>
    public static IReadOnlyList<string> Categories { get; } =
    [
        HostingCategory,
        "Microsoft.AspNetCore.Http.Result.RedirectResult",
        "Yarp.ReverseProxy.Forwarder",
        "System.Net.Http.HttpClient",
    ];

    /// <summary>
    /// ASP.NET Core's hosting category, which also opens each request's logging scope (its <c>RequestPath</c>, the path as
    /// sent) whenever it is on at any level for any provider: off by default, so that the console can show scopes.
    /// </summary>
    public const string HostingCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>
    /// The categories and their default level (<see cref="HostingCategory"/> <c>None</c>, the others <c>Warning</c>), and
    /// the console's scopes on, so that every line written in a request carries its <c>gateway.request_id</c> on stdout.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> Defaults { get; } =
        Categories.Select(static category => KeyValuePair.Create("Logging:LogLevel:" + category, (string?)(category == HostingCategory ? "None" : "Warning")))
            .Append(KeyValuePair.Create("Logging:Console:FormatterOptions:IncludeScopes", (string?)"true"))
            .ToDictionary();

    /// <summary>
    /// Adds <see cref="Defaults"/> beneath every other configuration source, so that any of them overrides it, and keeps
    /// the general rules of <see cref="Categories"/> above a provider's own <c>Default</c> (<see cref="KeepForEveryProvider"/>).
    /// </summary>
    public static void Apply(IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = Defaults });
        builder.Services.PostConfigure<LoggerFilterOptions>(KeepForEveryProvider);
    }

    /// <summary>
    /// Copies every general rule of a category at or below one of <see cref="Categories"/> to each provider named by a rule
    /// of its own, before all the other rules: the copy is as specific as the category, so it beats the provider's
    /// <c>Default</c> and any shorter category of its own, and a rule of the provider's own for the same category, coming
    /// later, still wins (the last of equals does). Runs each time the options are made (configuration reloads included).
    /// </summary>
    internal static void KeepForEveryProvider(LoggerFilterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var providers = options.Rules.Select(static rule => rule.ProviderName).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var general = options.Rules.Where(static rule => rule.ProviderName is null && rule.CategoryName is { } category && IsSensitive(category)).ToList();
        var index = 0;
        foreach (var provider in providers)
        {
            foreach (var rule in general)
            {
                options.Rules.Insert(index++, new LoggerFilterRule(provider, rule.CategoryName, rule.LogLevel, rule.Filter));
            }
        }
    }

    private static bool IsSensitive(string category) =>
        Categories.Any(sensitive => category.StartsWith(sensitive, StringComparison.OrdinalIgnoreCase));
}
