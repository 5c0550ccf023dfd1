using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Authorization.AccessTokens;
using Gateway.Oversight;
using Gateway.Policy.Evidence;
using Gateway.Proxy.A2a;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Where <c>GET /a2a/{connector}/.well-known/agent-card.json</c> is served, once the request is admitted and decided and its
/// <c>a2a_card_served</c> record is durable: the remote card is read from the agent (no credential is sent with it) and its
/// signature checked against the connector's pinned key (<see cref="AgentCardSignatures"/>), then rewritten to point at
/// the gateway and keep only the skills the caller may use (<see cref="AgentCardRewriter"/>), signed with the gateway's
/// receipt key, answered no-store. A card that cannot be read (502 <c>a2a_card_unavailable</c>) or whose signature fails
/// (502 <c>a2a_card_unverified</c>) is refused, recorded by Respond under the remote agent right after that record.
/// </summary>
internal sealed partial class A2aCardDestination : ILocalDestination
{
    /// <summary>The most bytes of a remote card read.</summary>
    public const int MaxCardBytes = 256 * 1024;

    /// <summary>The name of the HTTP client remote cards are read with.</summary>
    public const string CardClient = "gamut-a2a-card";

    private readonly ReceiptKeyRing _keys;
    private readonly PublicOrigin _origin;
    private readonly IHttpClientFactory _clients;
    private readonly ILogger<A2aCardDestination> _logger;

    public A2aCardDestination(ReceiptKeyRing keys, PublicOrigin origin, IHttpClientFactory clients, ILogger<A2aCardDestination> logger)
    {
        _keys = keys;
        _origin = origin;
        _clients = clients;
        _logger = logger;
    }

    public async Task ServeAsync(HttpContext context, GatewayRequestFeature feature)
    {
        var asked = feature.Get<A2aCardAsked>();
        var tool = feature.Get<LocalAction>().Tool;
        var (remote, failure) = await FetchAsync(asked.CardUrl, context.RequestAborted).ConfigureAwait(false);
        if (remote is null)
        {
            LogCardUnavailable(_logger, asked.Agent, failure!);
            feature.Add(new Refusal(StatusCodes.Status502BadGateway, ProblemCodes.A2aCardUnavailable, $"The card of '{asked.Agent}' could not be read: {failure}") { AuditTool = tool });
            return;
        }

        if (AgentCardSignatures.RefusalOf(remote, asked.CardKey) is { } unverified)
        {
            feature.Add(new Refusal(StatusCodes.Status502BadGateway, ProblemCodes.A2aCardUnverified, unverified) { AuditTool = tool });
            return;
        }

        // The gateway's public origin, never the caller's Host: the card is signed, and a client follows its url.
        var gatewayUrl = $"{_origin.For(context.Request)}/a2a/{Uri.EscapeDataString(asked.Agent)}";
        var served = AgentCardRewriter.Rewrite(remote, gatewayUrl, asked.AllowedSkills);
        AgentCardSignatures.Sign(served, _keys.Active);
        feature.Add(new LocalAnswer(Results.Text(served.ToJsonString(), "application/json")) { NoStore = true });
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
