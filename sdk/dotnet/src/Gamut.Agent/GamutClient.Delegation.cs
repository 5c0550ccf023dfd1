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
    /// signs as the child with its own id and secret (the secret is never shown anywhere else), or, when
    /// <see cref="DelegationGrant.PrivateKey"/> is given, with that key (its public half registered, no secret minted, the
    /// child's id its key id). The child is governed like
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
        var body = Body(grant);
        if (grant.PrivateKey is not null)
        {
            // Read before anything is sent: a key that is none is a configuration error, not a delegation.
            using var keyPair = AgentKeyPair.Parse(grant.PrivateKey);
            body["public_key"] = new JsonObject { ["alg"] = keyPair.Algorithm, ["key"] = Convert.ToBase64String(keyPair.ExportSubjectPublicKeyInfo()) };
        }

        var answer = await SendAsync(HttpMethod.Post, "/v1/delegations", body, null, PersonToken, cancellationToken).ConfigureAwait(false);
        string? Text(JsonElement element, string name) => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        var secret = Text(answer, "secret");
        if (Text(answer, "agent") is not { } agent || !answer.TryGetProperty("delegation", out var issued) || issued.ValueKind != JsonValueKind.Object
            || (grant.PrivateKey is null ? secret is null : secret is not null))
        {
            throw new GamutProtocolException("The gateway answered the delegation without the child's id and secret (or, for a key child, with a secret).");
        }

        string? fingerprint = null;
        if (grant.PrivateKey is not null)
        {
            if (!issued.TryGetProperty("public_key", out var key) || key.ValueKind != JsonValueKind.Object || Text(key, "key_id") != agent)
            {
                throw new GamutProtocolException("The gateway answered the key child's delegation without its key.");
            }

            fingerprint = Text(key, "fingerprint");
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
            DateTimeOffset.Parse(Text(issued, "expires_at") ?? throw new GamutProtocolException("The delegation has no expiry."), CultureInfo.InvariantCulture))
        {
            KeyFingerprint = fingerprint,
        };
        // Built afresh, not copied with `with`: a copy would keep the parent's key pair, read once and cached.
        var options = new GamutOptions
        {
            BaseUrl = Options.BaseUrl,
            Tenant = Options.Tenant,
            Workspace = Options.Workspace,
            AgentId = agent,
            Secret = secret ?? string.Empty,
            GatewayIssuedSecret = secret,
            PrivateKey = grant.PrivateKey,
            KeyId = grant.PrivateKey is null ? null : agent,
            Timeout = Options.Timeout,
            AllowInsecureHttp = Options.AllowInsecureHttp,
        };
        return new GamutClient(options, innerHandler, _time) { Delegation = delegation };
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
