using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Policy.Evidence;
using Gateway.Proxy.A2a;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// <c>GET /a2a/{connector}/.well-known/agent-card.json</c>: the remote agent's card as a signed agent may see it. The
/// card is fetched from the agent (<c>/.well-known/agent-card.json</c> at its upstream's origin; no credential is sent
/// with it), its signature checked against the connector's pinned key (<see cref="AgentCardSignatures"/>), rewritten to
/// point at the gateway and keep only the skills the caller may use (<see cref="AgentCardRewriter"/>), and signed with the
/// gateway's receipt key. An agent that may use none of its skills, a card that cannot be fetched or read, and a card
/// whose signature fails are refused; each answer is recorded (<c>a2a_card_served</c>, or the refusal). The handler
/// decides; the walk (<see cref="AgentRouteWalk"/>) admits, records and answers.
/// </summary>
internal sealed partial class A2aCardHandler
{
    /// <summary>The most bytes of a remote card read.</summary>
    public const int MaxCardBytes = 256 * 1024;

    private readonly PolicyProvider _policy;
    private readonly IHttpClientFactory _clients;
    private readonly ReceiptKeyRing _keys;
    private readonly ILogger<A2aCardHandler> _logger;

    public A2aCardHandler(PolicyProvider policy, IHttpClientFactory clients, ReceiptKeyRing keys, ILogger<A2aCardHandler> logger)
    {
        _policy = policy;
        _clients = clients;
        _keys = keys;
        _logger = logger;
    }

    public async Task HandleAsync(HttpContext context, string connector)
    {
        var feature = context.GatewayRequest();
        var identity = feature.Get<AuthenticatedRequest>().Identity;
        if (_policy.Current?.Set is not { } set || !set.TryGetTenant(identity.Tenant, out var tenant) || tenant is null)
        {
            feature.Add(AgentRouteOutcome.Refused(Refusal.PolicyUnavailable()));
            return;
        }

        if (!tenant.TryGetCatalogEntry(connector, out var agent) || agent is not { Kind: ConnectorKind.A2a, Upstream: { } upstream })
        {
            feature.Add(AgentRouteOutcome.Refused(new Refusal(StatusCodes.Status404NotFound, ProblemCodes.UnknownConnector, "No remote agent (kind a2a) of that name is in this tenant's catalog.")));
            return;
        }

        var allowed = tenant.Catalog
            .Where(e => e.Kind == ConnectorKind.A2aSkill && e.Connector == agent.Name && tenant.Permits(identity.Agent, identity.Delegation?.Scope, e.Name))
            .Select(e => e.A2aSkill!)
            .ToHashSet(StringComparer.Ordinal);
        if (allowed.Count == 0)
        {
            Refuse(context, feature, identity, agent.Name, StatusCodes.Status403Forbidden, ProblemCodes.Blocked, $"This agent may use none of the skills of '{agent.Name}'.");
            return;
        }

        var (remote, failure) = await FetchAsync(new Uri(upstream, "/.well-known/agent-card.json"), context.RequestAborted).ConfigureAwait(false);
        if (remote is null)
        {
            LogCardUnavailable(_logger, agent.Name, failure!);
            Refuse(context, feature, identity, agent.Name, StatusCodes.Status502BadGateway, ProblemCodes.A2aCardUnavailable, $"The card of '{agent.Name}' could not be read: {failure}");
            return;
        }

        if (AgentCardSignatures.RefusalOf(remote, agent.CardKey) is { } unverified)
        {
            Refuse(context, feature, identity, agent.Name, StatusCodes.Status502BadGateway, ProblemCodes.A2aCardUnverified, unverified);
            return;
        }

        var gatewayUrl = $"{context.Request.Scheme}://{context.Request.Host}/a2a/{Uri.EscapeDataString(agent.Name)}";
        var served = AgentCardRewriter.Rewrite(remote, gatewayUrl, allowed);
        AgentCardSignatures.Sign(served, _keys.Active);
        var entry = AgentAuditEntry.Of(context, identity, agent.Name, "a2a_card_served", StatusCodes.Status200OK);
        feature.Add(AgentRouteOutcome.Allowed(Results.Text(served.ToJsonString(), "application/json"), entry, noStore: true));
    }

    private static void Refuse(HttpContext context, GatewayRequestFeature feature, AgentIdentity identity, string tool, int status, string code, string detail) =>
        feature.Add(AgentRouteOutcome.Refused(new Refusal(status, code, detail), AgentAuditEntry.Of(context, identity, tool, "refused:" + code, status)));

    private async Task<(JsonObject? Card, string? Failure)> FetchAsync(Uri url, CancellationToken cancellationToken)
    {
        try
        {
            using var client = _clients.CreateClient(A2aHosting.CardClient);
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"the agent answered {(int)response.StatusCode}.");
            }

            if (response.Content.Headers.ContentLength > MaxCardBytes)
            {
                return (null, $"the card is larger than {MaxCardBytes} bytes.");
            }

            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[MaxCardBytes + 1];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false)) > 0)
            {
                read += n;
            }

            if (read > MaxCardBytes)
            {
                return (null, $"the card is larger than {MaxCardBytes} bytes.");
            }

            return JsonNode.Parse(buffer.AsSpan(0, read), documentOptions: new JsonDocumentOptions { MaxDepth = 32 }) is JsonObject card
                ? (card, null)
                : (null, "the card is not a JSON object.");
        }
        catch (JsonException)
        {
            return (null, "the card is not valid JSON.");
        }
        catch (HttpRequestException)
        {
            return (null, "the agent could not be reached.");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, "the agent did not answer in time.");
        }
    }

    [LoggerMessage(EventId = 3601, Level = LogLevel.Warning, Message = "The card of remote agent {Connector} could not be read: {Failure}")]
    private static partial void LogCardUnavailable(ILogger logger, string connector, string failure);
}
