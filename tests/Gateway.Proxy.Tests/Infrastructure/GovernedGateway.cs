using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gamut.Agent.Upstream;
using Microsoft.AspNetCore.Builder;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// The real gateway over a private copy of the example bundle, every upstream pointed at one real
/// Kestrel server (<see cref="TestUpstream"/>) that verifies the decision token on every request as an
/// executor would. The gateway's three keys are configured explicitly (so the upstream knows the
/// decision-signing key), the bootstrap admin token is set, and the connectors' credentials are put
/// into the vault through the admin API.
/// </summary>
public sealed class GovernedGateway : IAsyncDisposable
{
    /// <summary>The bootstrap admin bearer token; the gateway knows only its SHA-256.</summary>
    public const string AdminToken = "governance-tests-bootstrap-admin-token-0123456789";

    /// <summary>The vault's values, by credential name (what the upstream must receive).</summary>
    public static readonly IReadOnlyDictionary<string, string> Credentials = new Dictionary<string, string>
    {
        ["crm-token"] = "crm-vault-credential-7f3a9c",
        ["tickets-token"] = "tickets-vault-credential-51be02",
        ["payments-key"] = "payments-vault-credential-c0ffee",
        ["mail-hook"] = "mail-vault-credential-0d15ea",
        ["openai-key"] = "openai-vault-credential-b16b00",
    };

    /// <summary>The example's upstream origins, all rewritten to the test upstream.</summary>
    private static readonly string[] ExampleOrigins =
        ["http://127.0.0.1:9100", "http://127.0.0.1:9110", "http://127.0.0.1:9120", "http://127.0.0.1:9130",
         "http://127.0.0.1:9140", "http://127.0.0.1:9150", "http://127.0.0.1:9200", "http://127.0.0.1:9300"];

    private readonly List<HttpClient> _clients = [];
    private readonly string _dataDirectory;

    private GovernedGateway(TestUpstream upstream, DemoBundle bundle, string dataDirectory, byte[] decisionKey)
    {
        Upstream = upstream;
        Bundle = bundle;
        _dataDirectory = dataDirectory;
        DecisionSigningKey = decisionKey;
    }

    public TestUpstream Upstream { get; }

    public DemoBundle Bundle { get; }

    public GatewayHost Host { get; private set; } = null!;

    /// <summary>The gateway's decision-signing key, as configured (DECISION_SIGNING_KEY).</summary>
    public byte[] DecisionSigningKey { get; }

    /// <summary>The gateway's service key, as configured (GATEWAY_SERVICE_KEY).</summary>
    public byte[] ServiceKey { get; } = RandomNumberGenerator.GetBytes(32);

    /// <summary>The rogue agent's runtime secret (the copy stores it in a file instead of the environment).</summary>
    public string RogueSecret { get; } = "rogue-agent-test-secret-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public AgentClient Agent => new(Host.Client, Bundle.AgentSecret);

    public AgentClient Rogue => new(Host.Client, RogueSecret, agent: "rogue-agent");

    /// <summary>
    /// Starts the upstream, copies the bundle (credentials moved to the vault, the rogue agent's secret
    /// to a file, then <paramref name="rewrite"/> applied, then the upstreams rewritten), starts the
    /// gateway (in <paramref name="environment"/>) and fills the vault.
    /// </summary>
    public static async Task<GovernedGateway> StartAsync(Func<string, string>? rewrite = null, Action<WebApplicationBuilder>? configure = null, string environment = "Development")
    {
        var decisionKey = RandomNumberGenerator.GetBytes(32);
        var upstream = await TestUpstream.StartAsync(decisionKey).ConfigureAwait(false);
        var bundle = DemoBundle.Create();
        var dataDirectory = Path.Combine(Path.GetTempPath(), "gw-gov-" + Guid.NewGuid().ToString("N"));
        var gateway = new GovernedGateway(upstream, bundle, dataDirectory, decisionKey);
        try
        {
            File.WriteAllText(Path.Combine(bundle.Directory, "secrets", "rogue-agent.secret"), gateway.RogueSecret);
            bundle.Rewrite(text =>
            {
                text = text
                    .Replace("credential: env:TICKETS_TOKEN", "credential: vault:tickets-token", StringComparison.Ordinal)
                    .Replace("secret: env:ROGUE_AGENT_SECRET", "secret: file:secrets/rogue-agent.secret", StringComparison.Ordinal);
                text = rewrite?.Invoke(text) ?? text;
                foreach (var origin in ExampleOrigins)
                {
                    text = text.Replace(origin, upstream.Origin, StringComparison.Ordinal);
                }

                return text;
            });

            var settings = new Dictionary<string, string?>
            {
                ["Gateway:DataDirectory"] = dataDirectory,
                ["Gateway:Admin:BootstrapTokenSha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(AdminToken))),
                ["DATA_ENCRYPTION_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                ["DECISION_SIGNING_KEY"] = Convert.ToBase64String(decisionKey),
                ["GATEWAY_SERVICE_KEY"] = Convert.ToBase64String(gateway.ServiceKey),
            };
            gateway.Host = await GatewayHost.StartAsync(bundle.Directory, settings, configure, environment: environment).ConfigureAwait(false);
            var admin = gateway.Admin();
            foreach (var credential in Credentials)
            {
                using var put = await admin.PutAsync(
                    "/admin/v1/tenants/demo/credentials/" + credential.Key,
                    new StringContent(JsonSerializer.Serialize(new { value = credential.Value }), Encoding.UTF8, "application/json")).ConfigureAwait(false);
                if (put.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"vault put {credential.Key}: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync().ConfigureAwait(false)}");
                }
            }

            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A client for the admin API, authenticated with the bootstrap token (or <paramref name="token"/>).</summary>
    public HttpClient Admin(string? token = null)
    {
        var client = new HttpClient { BaseAddress = Host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token ?? AdminToken);
        _clients.Add(client);
        return client;
    }

    /// <summary>
    /// Issues a named admin token with the given roles; returns its plaintext. An approver token is bound
    /// to tenant <c>demo</c> and the person <paramref name="name"/>, minted by an admin of that person's
    /// own (the tokens one admin mints count as one person).
    /// </summary>
    public async Task<string> IssueTokenAsync(string name, params string[] roles)
    {
        var approver = roles.Contains("approver");
        var minter = approver ? Admin(await IssueTokenAsync("minter-of-" + name + "-" + Guid.NewGuid().ToString("N")[..8], "admin").ConfigureAwait(false)) : Admin();
        object body = approver ? new { name, roles, tenant = "demo", person = name } : new { name, roles };
        using var response = await minter.PostAsync("/admin/v1/tokens",
            new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json")).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"token issue {name}: {(int)response.StatusCode} {text}");
        }

        return JsonDocument.Parse(text).RootElement.GetProperty("token").GetString()!;
    }

    /// <summary>The <c>secret_slot</c> of the audit record of the request <paramref name="response"/> answered (null when it has none).</summary>
    public async Task<string?> RecordedSecretSlotAsync(HttpResponseMessage response)
    {
        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        using var page = JsonDocument.Parse(await Admin().GetStringAsync("/admin/v1/tenants/demo/audit?start=0&limit=1000").ConfigureAwait(false));
        var record = Assert.Single(page.RootElement.GetProperty("records").EnumerateArray(),
            r => r.TryGetProperty("request_id", out var id) && id.GetString() == requestId);
        return record.TryGetProperty("secret_slot", out var slot) ? slot.GetString() : null;
    }

    /// <summary>Every audit record of tenant demo naming the request <paramref name="requestId"/>, in journal order (every page read).</summary>
    public async Task<List<JsonElement>> AuditRecordsAsync(string requestId)
    {
        var found = new List<JsonElement>();
        long? start = 0;
        while (start is { } from)
        {
            var page = JsonDocument.Parse(await Admin().GetStringAsync($"/admin/v1/tenants/demo/audit?start={from}&limit=1000").ConfigureAwait(false)).RootElement.Clone();
            found.AddRange(page.GetProperty("records").EnumerateArray().Where(r => r.TryGetProperty("request_id", out var id) && id.GetString() == requestId));
            start = page.TryGetProperty("next_start", out var next) && next.ValueKind == JsonValueKind.Number ? next.GetInt64() : null;
        }

        return found;
    }

    /// <summary>The gateway's decision token binding (under a key derived from its data key, which only the gateway holds).</summary>
    public Gateway.Policy.Tokens.DecisionTokenBinding TokenBinding => Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Gateway.Policy.Tokens.DecisionTokenBinding>(Host.Services);

    /// <summary>An issuer that signs and binds as the gateway does, on the given clock, for tokens the gateway never recorded.</summary>
    public Gateway.Policy.Tokens.DecisionTokenIssuer TokenIssuer(TimeProvider? time = null) => new(DecisionSigningKey, time ?? TimeProvider.System, binding: TokenBinding);

    /// <summary>A verifier holding the gateway's decision-signing key, on the given clock.</summary>
    public DecisionTokenVerifier Verifier(TimeProvider? time = null) => new(DecisionSigningKey, time ?? TimeProvider.System);

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        if (Host is not null)
        {
            await Host.DisposeAsync().ConfigureAwait(false);
        }

        await Upstream.DisposeAsync().ConfigureAwait(false);
        Bundle.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>A <see cref="GovernedGateway"/> over the unmodified example policy, shared by one test class.</summary>
public sealed class GovernedGatewayFixture : IAsyncLifetime
{
    public GovernedGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync() => Gateway = await GovernedGateway.StartAsync().ConfigureAwait(false);

    public async Task DisposeAsync() => await Gateway.DisposeAsync().ConfigureAwait(false);
}
