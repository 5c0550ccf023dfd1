using System.Security.Cryptography;
using System.Text;

namespace Gateway.Cli.Tests;

/// <summary><c>keys webhook --tenant</c>: the key a tenant's webhook receivers verify with, from the service key in the environment.</summary>
public sealed class KeysWebhookCommandTests
{
    private static readonly byte[] ServiceKey = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public async Task KeysWebhook_ServiceKeyInTheEnvironment_PrintsEachTenantsOwnKeyAndNeverTheServiceKey()
    {
        var env = new Dictionary<string, string?> { ["GATEWAY_SERVICE_KEY"] = Convert.ToHexStringLower(ServiceKey) };

        var demo = await CliRun.RunAsync(env, "keys", "webhook", "--tenant", "demo");
        var acme = await CliRun.RunAsync(env, "keys", "webhook", "--tenant", "acme");

        Assert.True(demo.ExitCode == 0, demo.Error);
        // docs/connectors.md's derivation, written out again here.
        var expected = HMACSHA256.HashData(ServiceKey, Encoding.UTF8.GetBytes("gamut-webhook-key/v1\ndemo"));
        Assert.Equal(Convert.ToBase64String(expected), demo.Out.Trim());
        Assert.NotEqual(demo.Out, acme.Out);
        Assert.DoesNotContain(Convert.ToBase64String(ServiceKey), demo.Out + acme.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysWebhook_NoServiceKey_IsInvalidInput()
    {
        var result = await CliRun.RunAsync(new Dictionary<string, string?> { ["GATEWAY_SERVICE_KEY"] = "too-short" }, "keys", "webhook", "--tenant", "demo");

        Assert.Equal(6, result.ExitCode);
        Assert.Contains("GATEWAY_SERVICE_KEY", result.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Out);
    }
}
