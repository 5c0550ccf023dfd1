using Gateway.Connectors.Vault;
using Gateway.Oversight;
using Gateway.Oversight.Delegations;
using Gateway.Policy;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Where <c>POST /v1/delegations</c> is served, once its <c>delegation_issued</c> record is durable (a child no record names
/// is never issued): the child's secret is minted (unless it registered a public key), the child stored in the shared
/// store, and answered 201 with its id and secret, shown this once, or the key's fingerprint (no-store, its Location). A
/// child whose life ended while that record was made is refused 403 <c>delegation_widens_authority</c> (a <c>ttl</c>
/// widening), recorded right after it, nothing stored. A
/// store that fails to keep the child ends the request in a refusal Respond records right after that record (503
/// <c>store_unavailable</c>; any other failure 500 <c>internal_error</c>): the chain says the child was never issued. The
/// write is not the request's to cancel (<see cref="CancellationToken.None"/>, as the record's append): a client gone once
/// the record is durable leaves the child it names issued, not a record of a child that never was.
/// </summary>
internal sealed class DelegationDestination : ILocalDestination
{
    private readonly DelegationStore _delegations;
    private readonly EncryptionKeyRing _keys;
    private readonly TimeProvider _time;

    public DelegationDestination(DelegationStore delegations, EncryptionKeyRing keys, TimeProvider time)
    {
        _delegations = delegations;
        _keys = keys;
        _time = time;
    }

    public async Task ServeAsync(HttpContext context, GatewayRequestFeature feature)
    {
        var record = feature.Get<DelegationIssue>().Record;
        string? secret = null;
        if (record.PublicKey is null)
        {
            (secret, var envelope) = DelegationSecrets.Issue(_keys, record.Tenant, record.Id);
            record = record with { SecretEnvelope = envelope };
        }

        try
        {
            await _delegations.CreateAsync(record, CancellationToken.None).ConfigureAwait(false);
        }
        catch (ArgumentException) when (record.ExpiresAt <= _time.GetUtcNow())
        {
            // Its life ended while its delegation_issued was recorded (a slow append, a one-second ttl_seconds): refused, none issued.
            feature.Add(LifetimeEnded(feature.Get<LocalAction>().Tool));
            return;
        }

        feature.Add(new LocalAnswer(Results.Json(new DelegationIssued(record.Tenant, record.Workspace, record.Id, secret, record.Info()), OversightJson.DelegationIssued, statusCode: StatusCodes.Status201Created))
        {
            Location = "/v1/delegations/" + record.Id,
            NoStore = true,
        });
    }

    /// <summary>The 403 <c>delegation_widens_authority</c> (a <c>ttl</c> widening) of a child whose life ended before it was stored.</summary>
    private static Refusal LifetimeEnded(string? tool)
    {
        const string Detail = "the child's lifetime ended before it was issued (ask for a longer ttl_seconds, or from a parent with longer left)";
        return new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.DelegationWidensAuthority, "The delegation would widen the parent's authority: " + Detail + ".")
        {
            AuditTool = tool ?? "delegation",
            Members = writer =>
            {
                writer.WriteStartArray("widenings"u8);
                writer.WriteStartObject();
                writer.WriteString("kind"u8, DelegationWidenings.Ttl);
                writer.WriteString("detail"u8, Detail);
                writer.WriteEndObject();
                writer.WriteEndArray();
            },
        };
    }
}
