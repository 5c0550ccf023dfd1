using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Authorization.AccessTokens;
using Gateway.Authorization.Interactive;
using Gateway.Oversight.Agents;
using Gateway.Oversight.Tokens;
using Gateway.Policy;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Primitives;

namespace Gateway.Authorization.Tests.Interactive;

/// <summary>
/// A person's refresh at the token endpoint reads the agent's kill switches as the admission reads them (the one reading,
/// <see cref="AgentStatusService.StopOf(uint, bool)"/>): no token while any of them stops the agent, and one when none does.
/// </summary>
public sealed class InteractiveTokenGrantKillSwitchTests : IAsyncDisposable
{
    private const string Tenant = "demo";
    private const string Agent = "assistant";
    private const string ClientId = "ide";
    private const string Issuer = "https://idp.example";

    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _services;

    public InteractiveTokenGrantKillSwitchTests()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([KeyValuePair.Create("Gateway:AccessTokens:PublicBaseUrl", (string?)"https://gw.example")])
            .Build();
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = Environments.Development });
        services.AddSingleton<TimeProvider>(_clock);
        services.AddSingleton<IStateStore>(new InMemoryStateStore(_clock));
        services.AddSingleton<TokenGenerations>();
        services.AddSingleton<AgentStatusService>();
        services.AddSingleton<IInteractiveHost, OnePersonHost>();
        services.AddSingleton<IAccessTokenHost, NoAgentHost>();
        services.AddGatewayAccessTokens(configuration, AccessTokenSigningKey.DeriveFrom(RandomNumberGenerator.GetBytes(32)));
        _services = services.BuildServiceProvider();
    }

    [Fact]
    public async Task HandleAsync_RefreshWithNoSwitchOn_IssuesAnAccessTokenAndARotatedRefreshToken()
    {
        var (status, body) = await RefreshAsync(await IssueRefreshTokenAsync());

        Assert.Equal(StatusCodes.Status200OK, status);
        Assert.True(body.TryGetProperty("access_token", out _));
        Assert.True(body.TryGetProperty("refresh_token", out _));
    }

    [Fact]
    public async Task HandleAsync_RefreshWhileTheAgentOrTenantIsSuspended_IsInvalidGrant()
    {
        var switches = _services.GetRequiredService<AgentStatusService>();
        var token = await IssueRefreshTokenAsync();
        await switches.SuspendAsync(Tenant, Agent, "test");
        var agentSuspended = await RefreshAsync(token);
        await switches.ResumeAsync(Tenant, Agent, "test");
        await switches.SuspendTenantAsync(Tenant, "test");
        var tenantSuspended = await RefreshAsync(await IssueRefreshTokenAsync());

        Assert.Equal((StatusCodes.Status400BadRequest, OAuthErrors.InvalidGrant), (agentSuspended.Status, Error(agentSuspended.Body)));
        Assert.Equal((StatusCodes.Status400BadRequest, OAuthErrors.InvalidGrant), (tenantSuspended.Status, Error(tenantSuspended.Body)));
    }

    [Fact]
    public async Task HandleAsync_RefreshWhileTheAgentsSecretIsRevoked_IsInvalidGrantAndEndsTheFamily()
    {
        var switches = _services.GetRequiredService<AgentStatusService>();
        var (family, token) = await IssueFamilyAsync();
        await switches.RevokeSecretAsync(Tenant, Agent, "test");

        var (status, body) = await RefreshAsync(token);

        // The admission refuses this agent's every request (401 secret_revoked), a person's token included: none is issued.
        Assert.Equal((StatusCodes.Status400BadRequest, OAuthErrors.InvalidGrant), (status, Error(body)));
        Assert.False(await _services.GetRequiredService<InteractiveGrants>().IsFamilyLiveAsync(family, CancellationToken.None));
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    private static string? Error(JsonElement body) => body.TryGetProperty("error", out var error) ? error.GetString() : null;

    private async Task<string> IssueRefreshTokenAsync() => (await IssueFamilyAsync()).RefreshToken;

    private async Task<(string Family, string RefreshToken)> IssueFamilyAsync()
    {
        var grants = _services.GetRequiredService<InteractiveGrants>();
        var ends = _clock.GetUtcNow().AddHours(8);
        var family = await grants.StartFamilyAsync(Tenant, Issuer, "bob", ClientId, ends, CancellationToken.None);
        var grant = new InteractiveGrant(Tenant, OnePersonHost.Access.Workspace, Agent, ClientId, "bob", Issuer, [], "https://gw.example/mcp", family, ends);
        return (family, await grants.IssueRefreshTokenAsync(grant, CancellationToken.None));
    }

    private async Task<(int Status, JsonElement Body)> RefreshAsync(string refreshToken)
    {
        var context = new DefaultHttpContext { RequestServices = _services };
        context.Request.Method = HttpMethods.Post;
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("gw.example");
        context.Request.Path = AccessTokenUrls.TokenPath;
        context.Response.Body = new MemoryStream();
        var form = new FormCollection(new Dictionary<string, StringValues>
        {
            ["grant_type"] = InteractiveTokenGrant.RefreshToken,
            ["client_id"] = ClientId,
            ["refresh_token"] = refreshToken,
        });

        var result = await _services.GetRequiredService<InteractiveTokenGrant>().HandleAsync(context, form, InteractiveTokenGrant.RefreshToken);
        await result.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        using var json = await JsonDocument.ParseAsync(context.Response.Body);
        return (context.Response.StatusCode, json.RootElement.Clone());
    }

    /// <summary>The bundle as the gateway would read it: the agent accepts the client <c>ide</c> for the person <c>bob</c>.</summary>
    private sealed class OnePersonHost : IInteractiveHost
    {
        public static readonly InteractiveAccess Access = new()
        {
            Workspace = "default",
            People = ["bob"],
            Clients = [new InteractiveClient(ClientId, ["http://127.0.0.1/cb"])],
        };

        public bool AcceptsDynamicRegistration => false;

        public bool AcceptsMetadataDocuments => false;

        public IReadOnlyList<InteractiveAgent> FindByClient(string clientId) => Find(Tenant, Agent, clientId) is { } agent ? [agent] : [];

        public InteractiveAgent? Find(string tenant, string agent, string clientId) =>
            tenant == Tenant && agent == Agent && Access.Client(clientId) is { } client ? new InteractiveAgent(tenant, agent, Access, client) : null;

        public bool SignsInAt(string tenant, string issuer) => issuer == Issuer;

        public ValueTask<bool> IsPersonSuspendedAsync(string tenant, string issuer, string subject, CancellationToken cancellationToken) => ValueTask.FromResult(false);

        public IReadOnlyList<InteractiveAgent> FindForRegisteredClient(string clientId) => [];

        public string ConsentPath(string tenant, string requestId) => "/console/" + tenant + "/consent/" + requestId;
    }

    /// <summary>The access-token host's single-use rules; no registered agent signs here (a person's grant needs none).</summary>
    private sealed class NoAgentHost : IAccessTokenHost
    {
        public IReadOnlyList<string> ResourcePaths => ["/mcp"];

        public TimeSpan ClockSkew => TimeSpan.FromMinutes(1);

        public TimeSpan NonceLifetime => TimeSpan.FromMinutes(5);

        public AccessTokenClient FindClient(AuthenticatedCaller subject) => AccessTokenClient.Unknown(AccessTokenClientStatus.Unknown);

        public Task<SignedClient> AuthenticateSignedAsync(HttpContext context) => Task.FromResult(SignedClient.Refused("not signed"));

        public string NonceKey(AuthenticatedCaller subject, string nonce) => "nonce:" + subject.Tenant + ":" + subject.Agent + ":" + nonce;
    }
}
