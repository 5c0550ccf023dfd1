using System.Text.Json;
using Gateway.Connectors.Envelopes;
using Gateway.Connectors.Models;
using Gateway.Policy;
using Microsoft.AspNetCore.Http;

namespace Gateway.Connectors.Kinds;

/// <summary>
/// What the model kinds share: a fixed table of the provider API's operations (inference and model
/// listing, none of which changes anything upstream; HEAD is looked up as GET), and the envelope of a
/// governed call, the provider-native request POSTed to the kind's inference endpoint, rewritten as on the provider
/// route (<see cref="ModelRequestRewriter"/>).
/// </summary>
public abstract class ModelConnectorType : ConnectorType
{
    private protected ModelConnectorType(ConnectorKind kind)
        : base(kind)
    {
    }

    /// <inheritdoc/>
    public sealed override bool IsModel => true;

    /// <summary>Always: only the model routes estimate a call's tokens, which its budget and its run's limits reserve.</summary>
    public sealed override string? NotInvocableReason(CatalogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return $"'{entry.Name}' is a model connector; use /v1/actions/model (or /providers/{entry.Name}/…).";
    }

    /// <summary>The endpoint a governed call is POSTed to, relative to the upstream (e.g. <c>chat/completions</c>).</summary>
    public abstract string InferencePath { get; }

    /// <summary>The provider API the requests of governed calls are written for.</summary>
    public abstract ModelApi InferenceApi { get; }

    /// <summary>The operations of the provider API: method and path, <c>*</c> matching any one segment.</summary>
    private protected abstract IReadOnlyList<(string Method, string[] Path)> Operations { get; }

    /// <summary>Headers the provider API wants on every call (beyond <c>Accept</c>).</summary>
    private protected virtual IReadOnlyList<KeyValuePair<string, string>> ApiHeaders => [];

    /// <inheritdoc/>
    private protected override ProviderOperation? OperationFor(TenantPolicy tenant, CatalogEntry connector, string method, IReadOnlyList<string> segments) =>
        // Model calls (inference, listing) change nothing upstream.
        IsOperation(method, segments) ? new ProviderOperation(connector, Writes: false, []) : null;

    /// <summary>True when <paramref name="method"/> and the path <paramref name="segments"/> are one of the provider API's operations.</summary>
    public bool IsOperation(string method, IReadOnlyList<string> segments)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(segments);
        var lookup = HttpMethods.IsHead(method) ? HttpMethods.Get : method;
        foreach (var (opMethod, path) in Operations)
        {
            if (string.Equals(opMethod, lookup, StringComparison.Ordinal) && Matches(path, segments))
            {
                return true;
            }
        }

        return false;
    }

    // Segment by segment, "*" matching any one; no allocation (the provider route asks this of every request).
    private static bool Matches(string[] path, IReadOnlyList<string> segments)
    {
        if (path.Length != segments.Count)
        {
            return false;
        }

        for (var i = 0; i < path.Length; i++)
        {
            if (path[i] != "*" && !string.Equals(path[i], segments[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The request (a JSON object) POSTed to <see cref="InferencePath"/>, its model and token ceilings
    /// rewritten under route degrade (the decision's route, else the entry's); <c>Accept</c> says
    /// whether it streams.
    /// </summary>
    private protected override UpstreamEnvelope EnvelopeFor(CatalogEntry entry, JsonElement args, DegradeSpec? degrade)
    {
        if (args.ValueKind != JsonValueKind.Object)
        {
            throw new ConnectorArgumentException("a model request must be a JSON object.");
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(args, ConnectorsJsonContext.Default.JsonElement);
        body = ModelRequestRewriter.Rewrite(body, args, InferenceApi, entry, degrade) ?? body;
        var streaming = ModelRequestRewriter.IsStreaming(args);

        return new UpstreamEnvelope
        {
            Method = "POST",
            RelativePath = InferencePath,
            Body = body,
            Headers = [.. ApiHeaders, new("Accept", streaming ? "text/event-stream" : "application/json")],
        };
    }
}
