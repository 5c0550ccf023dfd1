using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;

namespace Gateway.Proxy.Tests.Telemetry;

/// <summary>
/// The gateway binary's stdout, with its default console logging: every line written while handling a request carries
/// the request's <c>gateway.request_id</c> (the console shows scopes), and ASP.NET Core's request scope, which holds the
/// path as sent, is not opened, so a secret an agent put in the path never reaches the log.
/// </summary>
public sealed class ConsoleLogTests : IDisposable
{
    private readonly DemoBundle _bundle = DemoBundle.Create();
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("gw-console-log-").FullName;

    public void Dispose()
    {
        _bundle.Dispose();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    [Fact]
    public async Task RefusedSecretInPath_StdoutCarriesRequestIdNotPath()
    {
        var environment = new Dictionary<string, string>
        {
            ["Gateway__Policy__BundlePath"] = _bundle.Directory,
            ["Gateway__DataDirectory"] = _dataDirectory,
            ["Logging__LogLevel__Default"] = "Information",
        };
        GatewayProcess.AddFreshKeys(environment);
        using var gateway = await GatewayProcess.StartAsync(environment);
        var secret = "path-secret-" + Guid.NewGuid().ToString("N");

        using var refused = await gateway.Http.GetAsync("/providers/crm.read_contact/contacts/" + secret);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var requestId = Assert.Single(refused.Headers.GetValues("X-Request-Id"));
        await Eventually.HoldsAsync(
            () => gateway.Output.Any(line => line.Contains("gateway.request_id:" + requestId, StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30),
            () => "no stdout line carries the request id " + requestId + ":\n" + string.Join('\n', gateway.Output));
        Assert.DoesNotContain(gateway.Output, line => line.Contains(secret, StringComparison.Ordinal));
    }
}
