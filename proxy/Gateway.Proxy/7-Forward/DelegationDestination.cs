using Gateway.Connectors.Vault;
using Gateway.Oversight;
using Gateway.Oversight.Delegations;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Pipeline;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Where <c>POST /v1/delegations</c> is served, once its <c>delegation_issued</c> record is durable (a child no record names
/// is never issued): the child's secret is minted (unless it registered a public key), the child stored in the shared
/// store, and answered 201 with its id and secret, shown this once, or the key's fingerprint (no-store, its Location). A
/// store that fails to keep the child ends the request in a refusal Respond records right after that record (503
/// <c>store_unavailable</c>; any other failure 500 <c>internal_error</c>): the chain says the child was never issued. The
/// write is not the request's to cancel (<see cref="CancellationToken.None"/>, as the record's append): a client gone once
/// the record is durable leaves the child it names issued, not a record of a child that never was.
/// </summary>
internal sealed class DelegationDestination : ILocalDestination
{
    private readonly DelegationStore _delegations;
    private readonly EncryptionKeyRing _keys;

    public DelegationDestination(DelegationStore delegations, EncryptionKeyRing keys)
    {
        _delegations = delegations;
        _keys = keys;
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

        await _delegations.CreateAsync(record, CancellationToken.None).ConfigureAwait(false);
        feature.Add(new LocalAnswer(Results.Json(new DelegationIssued(record.Tenant, record.Workspace, record.Id, secret, record.Info()), OversightJson.DelegationIssued, statusCode: StatusCodes.Status201Created))
        {
            Location = "/v1/delegations/" + record.Id,
            NoStore = true,
        });
    }
}
