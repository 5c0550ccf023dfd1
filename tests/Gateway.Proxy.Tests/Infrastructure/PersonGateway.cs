using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// The governed gateway over the demo bundle with the demo tenant's <c>openid_provider</c> pointed at a
/// <see cref="TestOpenIdProvider"/>, and its client secret in the vault (<c>oidc-client</c>).
/// </summary>
public sealed class PersonGateway : IAsyncDisposable
{
    private PersonGateway(GovernedGateway gateway, TestOpenIdProvider provider)
    {
        Gateway = gateway;
        Provider = provider;
    }

    public GovernedGateway Gateway { get; }

    public TestOpenIdProvider Provider { get; }

    /// <summary>Starts the provider, then the gateway with the provider in the bundle and <paramref name="rewrite"/> applied.</summary>
    public static async Task<PersonGateway> StartAsync(
        Func<string, string>? rewrite = null, IReadOnlyDictionary<string, string>? settings = null, Action<WebApplicationBuilder>? configure = null)
    {
        var provider = await TestOpenIdProvider.StartAsync().ConfigureAwait(false);
        try
        {
            var gateway = await GovernedGateway.StartAsync(
                text =>
                {
                    text = text.Replace("workspaces: [ws-demo]\n", "workspaces: [ws-demo]\n" + provider.BundleSection(), StringComparison.Ordinal);
                    return rewrite?.Invoke(text) ?? text;
                },
                (WebApplicationBuilder builder) =>
                {
                    foreach (var setting in settings ?? new Dictionary<string, string>())
                    {
                        builder.Configuration[setting.Key] = setting.Value;
                    }

                    configure?.Invoke(builder);
                }).ConfigureAwait(false);
            using var put = await gateway.Admin().PutAsync(
                "/admin/v1/tenants/demo/credentials/oidc-client",
                new StringContent(JsonSerializer.Serialize(new { value = TestOpenIdProvider.ClientSecret }), Encoding.UTF8, "application/json")).ConfigureAwait(false);
            if (put.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"vault put oidc-client: {(int)put.StatusCode}");
            }

            return new PersonGateway(gateway, provider);
        }
        catch
        {
            await provider.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends <paramref name="json"/> to <paramref name="target"/> signed by the demo agent, carrying <paramref name="personToken"/> (covered by the signature).</summary>
    public Task<HttpResponseMessage> PostAsPersonAsync(string target, string json, string personToken) =>
        Gateway.Agent.SendAsync(Gateway.Agent.CreateForPerson(HttpMethod.Post, target, json, personToken));

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync().ConfigureAwait(false);
        await Provider.DisposeAsync().ConfigureAwait(false);
    }
}
