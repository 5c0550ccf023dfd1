using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gamut.Agent;

/// <summary>Delegation: a parent's client issues a child identity and returns a client signed as that child.</summary>
public sealed partial class GamutClient
{
    /// <summary>For a client of a delegated child: the child as issued; null for a registered agent's client.</summary>
    public GamutDelegation? Delegation { get; private init; }

    /// <summary>
    /// POST /v1/delegations: issues a short-lived child identity that only narrows this agent, and returns a client that
    /// signs as the child with its own id and secret (the secret is never shown anywhere else). The child is governed like
    /// any agent, against this agent's entry narrowed by <paramref name="grant"/>, and refused from its next request once
    /// this agent is suspended, loses the permission, or the grant is revoked or expires. A grant asking beyond this agent
    /// throws <see cref="GamutDeniedException"/> with code <c>delegation_widens_authority</c> (each widening in its problem's
    /// <c>widenings</c>).
    /// </summary>
    /// <param name="grant">What the child may do.</param>
    /// <param name="innerHandler">The child client's transport (default: a SocketsHttpHandler without redirects).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<GamutClient> DelegateAsync(DelegationGrant grant, HttpMessageHandler? innerHandler = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grant);
        var answer = await SendAsync(HttpMethod.Post, "/v1/delegations", Body(grant), null, PersonToken, cancellationToken).ConfigureAwait(false);
        string? Text(JsonElement element, string name) => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        if (Text(answer, "agent") is not { } agent || Text(answer, "secret") is not { } secret
            || !answer.TryGetProperty("delegation", out var issued) || issued.ValueKind != JsonValueKind.Object)
        {
            throw new GamutProtocolException("The gateway answered the delegation without the child's id and secret.");
        }

        if (Text(answer, "tenant") != Options.Tenant || Text(issued, "parent") != Options.AgentId)
        {
            throw new GamutIdentityMismatchException($"The delegation names tenant '{Text(answer, "tenant")}' and parent '{Text(issued, "parent")}', not this agent.");
        }

        var delegation = new GamutDelegation(
            agent,
            Text(issued, "name") ?? grant.Name,
            Options.AgentId,
            issued.TryGetProperty("depth", out var depth) && depth.ValueKind == JsonValueKind.Number ? depth.GetInt32() : 1,
            DateTimeOffset.Parse(Text(issued, "expires_at") ?? throw new GamutProtocolException("The delegation has no expiry."), CultureInfo.InvariantCulture));
        return new GamutClient(Options with { AgentId = agent, Secret = secret }, innerHandler, _time) { Delegation = delegation };
    }

    private static JsonObject Body(DelegationGrant grant)
    {
        var permissions = new JsonArray();
        foreach (var permission in grant.Permissions)
        {
            var entry = new JsonObject { ["tool"] = permission.Tool };
            if (permission.ActionTypes is { } types)
            {
                entry["action_types"] = new JsonArray([.. types.Select(static t => (JsonNode?)JsonValue.Create(t))]);
            }

            permissions.Add(entry);
        }

        var body = new JsonObject { ["name"] = grant.Name, ["permissions"] = permissions };
        if (grant.AtfLevel is { } level)
        {
            body["atf_level"] = level;
        }

        if (grant.DataClassCeiling is { } ceiling)
        {
            body["data_class_ceiling"] = ceiling;
        }

        if (grant.Ttl is { } ttl)
        {
            body["ttl_seconds"] = (long)Math.Ceiling(ttl.TotalSeconds);
        }

        if (grant.RunId is { } run)
        {
            body["run_id"] = run;
        }

        if (grant.MayDelegate)
        {
            body["may_delegate"] = true;
        }

        return body;
    }
}
