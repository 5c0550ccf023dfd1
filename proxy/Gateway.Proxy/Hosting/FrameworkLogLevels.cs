using Microsoft.Extensions.Configuration.Memory;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// The levels the gateway gives the framework's per-request log lines unless configuration sets them: ASP.NET Core's
/// "Request starting/finished" (the path decoded, control characters and all, and the query whole: a secret an agent
/// sent there, a sign-in's code), its redirect result's "redirecting to" (an authorization code, a state, a link grant),
/// YARP's "Proxying to" (the upstream URL with the agent's arguments) and the HTTP client factory's "Start processing
/// HTTP request" (the URL's path: a chat webhook's credential) are written at <c>Information</c>, so they default to
/// <c>Warning</c>. The gateway's factory clients have no logging handlers at all besides (<c>AddGatewayTelemetry</c>).
/// </summary>
internal static class FrameworkLogLevels
{
    /// <summary>The categories and their default level.</summary>
    public static IReadOnlyDictionary<string, string?> Defaults { get; } = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Warning",
        ["Logging:LogLevel:Microsoft.AspNetCore.Http.Result.RedirectResult"] = "Warning",
        ["Logging:LogLevel:Yarp.ReverseProxy.Forwarder"] = "Warning",
        ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
    };

    /// <summary>Adds <see cref="Defaults"/> beneath every other configuration source, so that any of them overrides it.</summary>
    public static void Apply(IConfigurationBuilder configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = Defaults });
    }
}
