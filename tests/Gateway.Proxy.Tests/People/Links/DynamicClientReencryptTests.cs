using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Connectors.Vault;
using Gateway.Proxy.People.Links;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.People.Links;

/// <summary>
/// A data-key rotation finished with the admin API's <c>credentials/reencrypt</c> on a connector whose client the gateway
/// registered dynamically (RFC 7591): the stored registration is sealed again under the new key and counted, so removing
/// the old key does not make the gateway register anew (a new client id, every person's link unlinked at its refresh).
/// </summary>
public sealed class DynamicClientReencryptTests
{
    private const string Dynamic = "{ credential: per_person, authorization_server: \"{server}\", client: { dynamic: true }, scopes: [issues.read] }";
    private const string RegistrationContext = "linked-client:demo:crm.read_contact";
    private static readonly string OldKey = "old:" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string NewKey = "new:" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task CredentialsReencrypt_AfterADataKeyRotation_ResealsDynamicClientRegistrations()
    {
        await using var gw = await PerPersonGateway.StartAsync(Dynamic, builder =>
        {
            builder.Configuration["DATA_ENCRYPTION_KEY"] = NewKey;
            builder.Configuration["DATA_ENCRYPTION_KEYS_RETIRED"] = OldKey;
        });
        using var refused = await gw.CallAsync("erin");
        using (var linked = await gw.FollowLinkAsync(await PerPersonGateway.LinkPathAsync(refused), "erin"))
        {
            Assert.True(linked.StatusCode == HttpStatusCode.OK, await linked.Content.ReadAsStringAsync());
        }

        // Registered before the rotation: the stored registration sealed under the key now retired.
        var newOnly = new EncryptionKeyRing(DataEncryptionKey.Parse(NewKey));
        var store = gw.Gateway.Host.Services.GetRequiredService<IStateStore>();
        using var registration = JsonDocument.Parse(Assert.Single(gw.Server.Registrations));
        var redirectUri = registration.RootElement.GetProperty("redirect_uris")[0].GetString()!;
        var key = UpstreamAuthorization.RegistrationKey("demo", "crm.read_contact", gw.Server.Issuer, redirectUri);
        var sealedNew = await store.GetAsync(key);
        Assert.NotNull(sealedNew);
        var json = CredentialEnvelope.DecryptString(newOnly, sealedNew, RegistrationContext);
        await store.SetAsync(key, CredentialEnvelope.Encrypt(new EncryptionKeyRing(DataEncryptionKey.Parse(OldKey)), json, RegistrationContext), expiry: null);

        using var reencrypt = await gw.Gateway.Admin().PostAsync("/admin/v1/tenants/demo/credentials/reencrypt", content: null);
        var answer = await reencrypt.Content.ReadAsStringAsync();

        Assert.True(reencrypt.StatusCode == HttpStatusCode.OK, answer);
        using (var body = JsonDocument.Parse(answer))
        {
            var clients = body.RootElement.GetProperty("kinds").EnumerateArray().SingleOrDefault(k => k.GetProperty("kind").GetString() == "linked_clients");
            Assert.True(clients.ValueKind == JsonValueKind.Object, "no linked_clients kind in " + answer);
            Assert.Equal(1, clients.GetProperty("reencrypted").GetInt32());
            Assert.Empty(body.RootElement.GetProperty("retired_keys_in_use").EnumerateArray());
        }

        // The old key can go: the registration opens under the new key alone, and the link refreshes as the same client.
        Assert.Equal(json, CredentialEnvelope.DecryptString(newOnly, (await store.GetAsync(key))!, RegistrationContext));
        await gw.ExpireLinkAsync("erin");
        using var after = await gw.CallAsync("erin", "c-2");
        Assert.True(after.StatusCode == HttpStatusCode.OK, await after.Content.ReadAsStringAsync());
        Assert.Equal(1, gw.Server.Refreshes);
        Assert.Single(gw.Server.Registrations);
    }
}
