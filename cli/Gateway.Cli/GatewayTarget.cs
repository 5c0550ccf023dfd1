using System.Net;

namespace Gateway.Cli;

/// <summary>
/// Which gateway a command talks to, and why. In order: <c>--url</c>; the <c>GATEWAY_URL</c>
/// environment value; the <c>GATEWAY_URL</c> line of the demo file (<c>GATEWAY_DEMO_ENV</c>, or
/// <c>.gateway-data/demo.env</c> of the repository the command runs in, written by <c>make run</c>).
/// There is no built-in default: a command with none of the three stops instead of guessing.
/// </summary>
/// <remarks>
/// The demo file lies in the working tree, which may be a cloned repository nobody vetted: a URL from it is used only
/// when it names this machine (<see cref="IsLoopback"/>), so that the admin token is never sent where a file chose.
/// An environment value outlives the gateway it was set for (another terminal, yesterday's demo on
/// another port). So when the target comes from <c>GATEWAY_URL</c> and the demo file names a different
/// gateway, the command is refused: the operator chooses with <c>--url</c>, the only source that is
/// always deliberate, or by fixing the variable.
/// </remarks>
internal sealed record GatewayTarget(Uri BaseUrl, string Source)
{
    public const string UrlVariable = "GATEWAY_URL";
    public const string DemoEnvVariable = "GATEWAY_DEMO_ENV";
    public const string DemoEnvRelativePath = ".gateway-data/demo.env";

    public const string AllowInsecureHttpVariable = "GATEWAY_ALLOW_INSECURE_HTTP";

    /// <summary>
    /// Resolves the target, or returns the error line to print (exit code: invalid input). Plain http to another machine is
    /// refused unless <paramref name="allowInsecureHttp"/> (or <c>GATEWAY_ALLOW_INSECURE_HTTP=1</c>) says the network is trusted:
    /// the admin token and any credential a command uploads would cross it in clear.
    /// </summary>
    public static (GatewayTarget? Target, string? Error) Resolve(string? urlOption, bool allowInsecureHttp, CliConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        var (target, error) = Find(urlOption, console);
        return target is not null && target.BaseUrl.Scheme == Uri.UriSchemeHttp && !IsLoopback(target.BaseUrl)
            && !allowInsecureHttp && console.GetEnvironmentVariable(AllowInsecureHttpVariable) is not ("1" or "true")
            ? (null, $"error: insecure_transport: {target.BaseUrl} (from {target.Source}) is plain http to another machine: the admin token "
                + $"and any credential would cross the network in clear. Use https, or pass --allow-insecure-http (or set {AllowInsecureHttpVariable}=1) "
                + "where that network is trusted.")
            : (target, error);
    }

    private static (GatewayTarget? Target, string? Error) Find(string? urlOption, CliConsole console)
    {
        if (!string.IsNullOrWhiteSpace(urlOption))
        {
            return Parse(urlOption, "--url");
        }

        var demoFile = FindDemoFile(console);
        var demoUrl = demoFile is null ? null : ReadValue(demoFile, UrlVariable);
        var environmentUrl = console.GetEnvironmentVariable(UrlVariable);
        if (!string.IsNullOrWhiteSpace(environmentUrl))
        {
            var (target, error) = Parse(environmentUrl, UrlVariable);
            if (target is null || demoUrl is null)
            {
                return (target, error);
            }

            var (demo, _) = Parse(demoUrl, demoFile!);
            if (demo is not null && !SameGateway(target.BaseUrl, demo.BaseUrl))
            {
                return (null, $"error: target_mismatch: {UrlVariable} is {target.BaseUrl} but {demoFile} (written by make run) names {demo.BaseUrl}; "
                    + $"refusing to guess which gateway you mean. Pass --url explicitly, or set {UrlVariable} to the gateway you want.");
            }

            return (target, null);
        }

        if (demoUrl is not null)
        {
            var (demo, error) = Parse(demoUrl, demoFile!);
            return demo is null || IsLoopback(demo.BaseUrl)
                ? (demo, error)
                : (null, $"error: invalid_input: {demoFile} names {demo.BaseUrl}, which is not a loopback address (make run writes only 127.0.0.1 there); "
                    + $"a file in the working tree is not trusted with the admin token. Pass --url or set {UrlVariable} to talk to that gateway.");
        }

        return (null, $"error: invalid_input: no gateway to talk to; pass --url, set {UrlVariable}, or run 'make run' (it writes {DemoEnvRelativePath}).");
    }

    /// <summary>The demo file: <c>GATEWAY_DEMO_ENV</c> when set, else .gateway-data/demo.env of the enclosing repository.</summary>
    internal static string? FindDemoFile(CliConsole console)
    {
        if (console.GetEnvironmentVariable(DemoEnvVariable) is { Length: > 0 } explicitFile)
        {
            return File.Exists(explicitFile) ? Path.GetFullPath(explicitFile) : null;
        }

        for (var directory = new DirectoryInfo(console.WorkingDirectory ?? Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, DemoEnvRelativePath);
            if (File.Exists(candidate) && File.Exists(Path.Combine(directory.FullName, "Gateway.sln")))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The value of <c>NAME=value</c> in a dotenv-style file (last one wins; comments ignored).</summary>
    internal static string? ReadValue(string file, string name)
    {
        string? value = null;
        foreach (var raw in File.ReadLines(file))
        {
            var line = raw.Trim();
            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                line = line["export ".Length..].TrimStart();
            }

            if (line.Length == 0 || line[0] == '#' || !line.StartsWith(name + "=", StringComparison.Ordinal))
            {
                continue;
            }

            value = line[(name.Length + 1)..].Trim().Trim('"', '\'');
        }

        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    private static (GatewayTarget? Target, string? Error) Parse(string text, string source)
    {
        var url = text.Trim();
        return Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var baseUrl)
            && (baseUrl.Scheme == Uri.UriSchemeHttp || baseUrl.Scheme == Uri.UriSchemeHttps)
            ? (new GatewayTarget(baseUrl, source), null)
            : (null, $"error: invalid_input: '{url}' (from {source}) is not an http(s) URL");
    }

    /// <summary>Scheme, host (localhost and 127.0.0.1 are the same machine) and port decide; the path must match too.</summary>
    private static bool SameGateway(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port
        && string.Equals(Loopback(a.Host), Loopback(b.Host), StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.AbsolutePath, b.AbsolutePath, StringComparison.Ordinal);

    /// <summary>Whether <paramref name="url"/> names this machine: <c>localhost</c>, 127.0.0.0/8 or <c>::1</c>.</summary>
    internal static bool IsLoopback(Uri url) =>
        string.Equals(url.IdnHost, "localhost", StringComparison.OrdinalIgnoreCase)
        || (url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && IPAddress.TryParse(url.IdnHost, out var address) && IPAddress.IsLoopback(address));

    private static string Loopback(string host) => host is "localhost" or "127.0.0.1" or "[::1]" or "::1" ? "loopback" : host;
}
