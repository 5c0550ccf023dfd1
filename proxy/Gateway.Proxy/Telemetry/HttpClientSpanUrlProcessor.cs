using System.Diagnostics;
using OpenTelemetry;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// Cuts the URL on every HttpClient span (the runtime's <c>System.Net.Http</c> activities) to its origin before it is
/// exported: the path may carry an agent's arguments (a connector's <c>/contacts/{id}</c>) or a credential (a chat
/// webhook's path token), and user information or a query go with it. <c>server.address</c> and <c>server.port</c> still
/// name the host called. Add it before the export processor.
/// </summary>
internal sealed class HttpClientSpanUrlProcessor : BaseProcessor<Activity>
{
    /// <summary>The runtime's HttpClient activity source.</summary>
    public const string SourceName = "System.Net.Http";

    /// <summary>Attributes that hold the whole URL (the stable name and the old one): cut to the origin.</summary>
    private static readonly string[] WholeUrl = ["url.full", "http.url"];

    /// <summary>Attributes that hold a part of the URL after its origin: removed.</summary>
    private static readonly string[] AfterOrigin = ["url.path", "url.query", "url.template", "http.target"];

    /// <inheritdoc />
    public override void OnEnd(Activity data)
    {
        if (data.Source.Name != SourceName)
        {
            return;
        }

        foreach (var name in WholeUrl)
        {
            if (data.GetTagItem(name) is { } url)
            {
                data.SetTag(name, Origin(url));
            }
        }

        foreach (var name in AfterOrigin)
        {
            if (data.GetTagItem(name) is not null)
            {
                data.SetTag(name, null);
            }
        }
    }

    /// <summary>The scheme, host and (unless the scheme's default) port of <paramref name="url"/>; null when it is not an absolute http(s) URL.</summary>
    internal static string? Origin(object url) =>
        (url as Uri ?? (Uri.TryCreate(url.ToString(), UriKind.Absolute, out var parsed) ? parsed : null)) is { IsAbsoluteUri: true, Scheme: "http" or "https" } absolute
            ? absolute.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped)
            : null;
}
