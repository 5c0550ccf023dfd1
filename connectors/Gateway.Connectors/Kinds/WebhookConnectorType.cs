using System.Text.Json;
using Gateway.Connectors.Envelopes;
using Gateway.Policy;
using Microsoft.AspNetCore.Http;

namespace Gateway.Connectors.Kinds;

/// <summary>
/// <c>webhook</c>: an endpoint the gateway POSTs the arguments to as JSON, signed under the gateway's
/// service key. Its transparent route accepts only that POST, which writes.
/// </summary>
public sealed class WebhookConnectorType : ConnectorType
{
    internal WebhookConnectorType()
        : base(ConnectorKind.Webhook)
    {
    }

    /// <inheritdoc/>
    public override bool SignsEnvelopes => true;

    /// <summary>POST to the upstream itself.</summary>
    private protected override ProviderOperation? OperationFor(TenantPolicy tenant, CatalogEntry connector, string method, IReadOnlyList<string> segments) =>
        segments.Count == 0 && HttpMethods.IsPost(method) ? new ProviderOperation(connector, Writes: true, []) : null;

    /// <summary>The http kind's: an argument spelled two ways, at any depth (<see cref="HttpConnectorType.ArgumentsRefusal"/>).</summary>
    public override string? ArgumentsRefusal(CatalogEntry entry, JsonElement args) => HttpConnectorType.SpelledTwoWays(entry, args);

    /// <summary>
    /// The arguments POSTed as JSON and signed; read_only refuses unless the action type reads, dry_run adds
    /// <c>dry_run=true</c> (and refuses arguments that name a dry run), and an argument spelled two ways is refused.
    /// </summary>
    private protected override UpstreamEnvelope EnvelopeFor(CatalogEntry entry, JsonElement args, DegradeSpec? degrade)
    {
        var mode = degrade?.Mode;
        RefuseWriteUnderReadOnly(entry, mode);
        RefuseDryRunArgument(entry, args, mode);
        RefuseMethodOverrideArgument(entry, args);
        if (ArgumentsRefusal(entry, args) is { } spelledTwice)
        {
            throw new ConnectorArgumentException(spelledTwice);
        }

        return new UpstreamEnvelope
        {
            Method = "POST",
            Query = mode == DegradeMode.DryRun ? "dry_run=true" : string.Empty,
            Body = JsonSerializer.SerializeToUtf8Bytes(args.ValueKind == JsonValueKind.Undefined ? EmptyObject : args, ConnectorsJsonContext.Default.JsonElement),
        };
    }
}
