using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.A2a;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Describes <c>GET /a2a/{connector}/.well-known/agent-card.json</c>, the remote agent's card as a signed agent may see it:
/// the card is read from the agent (<c>/.well-known/agent-card.json</c> at its upstream's origin; no credential is sent
/// with it) and its signature checked against the connector's pinned key (<see cref="AgentCardSignatures"/>), as the
/// request's input. An agent that may use none of its skills, a card that cannot be read, and a card whose signature fails
/// are refused and recorded; a served card is recorded (<c>a2a_card_served</c>) before its local destination rewrites and
/// signs it (<see cref="A2aCardRead"/>).
/// </summary>
internal sealed partial class A2aCardDescriber : IRouteDescriber
{
    /// <summary>The most bytes of a remote card read.</summary>
    public const int MaxCardBytes = 256 * 1024;

    /// <summary>The name of the HTTP client remote cards are read with.</summary>
    public const string CardClient = "gamut-a2a-card";

    private readonly PolicyProvider _policy;
    private readonly IHttpClientFactory _clients;
    private readonly ILogger<A2aCardDescriber> _logger;

    public A2aCardDescriber(PolicyProvider policy, IHttpClientFactory clients, ILogger<A2aCardDescriber> logger)
    {
        _policy = policy;
        _clients = clients;
        _logger = logger;
    }

    public async ValueTask<(DescribedAction? Action, Refusal? Refusal)> DescribeAsync(HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest authenticated)
    {
        var identity = authenticated.Identity;
        if (_policy.TenantOf(identity) is not { } tenant)
        {
            return (null, Refusal.PolicyUnavailable());
        }

        var connector = context.GetRouteValue("connector") as string ?? string.Empty;
        if (!tenant.TryGetCatalogEntry(connector, out var agent) || agent is not { Kind: ConnectorKind.A2a, Upstream: { } upstream })
        {
            return (null, new Refusal(StatusCodes.Status404NotFound, ProblemCodes.UnknownConnector, "No remote agent (kind a2a) of that name is in this tenant's catalog."));
        }

        var action = new LocalAction(agent.Name, LocalAdmission.Request);
        var allowed = tenant.Catalog
            .Where(e => e.Kind == ConnectorKind.A2aSkill && e.Connector == agent.Name && tenant.Permits(identity.Agent, identity.Delegation?.Scope, e.Name))
            .Select(e => e.A2aSkill!)
            .ToHashSet(StringComparer.Ordinal);
        if (allowed.Count == 0)
        {
            return Refuse(feature, action, identity, StatusCodes.Status403Forbidden, ProblemCodes.Blocked, $"This agent may use none of the skills of '{agent.Name}'.");
        }

        var (remote, failure) = await FetchAsync(new Uri(upstream, "/.well-known/agent-card.json"), context.RequestAborted).ConfigureAwait(false);
        if (remote is null)
        {
            LogCardUnavailable(_logger, agent.Name, failure!);
            return Refuse(feature, action, identity, StatusCodes.Status502BadGateway, ProblemCodes.A2aCardUnavailable, $"The card of '{agent.Name}' could not be read: {failure}");
        }

        if (AgentCardSignatures.RefusalOf(remote, agent.CardKey) is { } unverified)
        {
            return Refuse(feature, action, identity, StatusCodes.Status502BadGateway, ProblemCodes.A2aCardUnverified, unverified);
        }

        feature.Add(new A2aCardRead(remote, agent.Name, allowed));
        feature.Add(action with { Entry = LocalEntry.Of(identity, "a2a_card_served", StatusCodes.Status200OK) });
        return (null, null);
    }

    /// <summary>Refused once admitted, and recorded under the remote agent.</summary>
    private static (DescribedAction?, Refusal?) Refuse(GatewayRequestFeature feature, LocalAction action, AgentIdentity identity, int status, string code, string detail)
    {
        var refusal = new Refusal(status, code, detail);
        feature.Add(action with { Refused = new LocalRefusal(refusal, LocalEntry.Refusing(identity, refusal)) });
        return (null, null);
    }

    private async Task<(JsonObject? Card, string? Failure)> FetchAsync(Uri url, CancellationToken cancellationToken)
    {
        try
        {
            using var client = _clients.CreateClient(CardClient);
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
