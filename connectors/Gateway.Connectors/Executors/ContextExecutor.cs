using System.Globalization;
using System.Text.Json;
using Gateway.Connectors.Credentials;

namespace Gateway.Connectors.Executors;

/// <summary>
/// Executes <see cref="ConnectorKind.Context"/> connectors: <c>GET &lt;upstream&gt;?scope=&amp;query=</c> with the
/// call's <c>{"scope","query","max_bytes"}</c>; the pack is cut to min(<c>max_bytes</c>, the connector's
/// <c>MaxResponseBytes</c>) on a UTF-8 character boundary and the result says <see cref="ConnectorResult.Truncated"/>.
/// </summary>
public sealed class ContextExecutor : IConnectorExecutor
{
    private readonly UpstreamClient _upstream;

    public ContextExecutor(HttpMessageInvoker invoker, CredentialResolver resolver, TimeProvider? timeProvider = null) =>
        _upstream = new UpstreamClient(invoker, resolver, timeProvider);

    /// <inheritdoc/>
    public async ValueTask<ConnectorResult> ExecuteAsync(ConnectorDefinition connector, ConnectorCall call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connector);
        ArgumentNullException.ThrowIfNull(call);
        var args = call.Args;
        if (args.ValueKind != JsonValueKind.Object)
        {
            throw new ConnectorArgumentException("a context request is a JSON object {\"scope\", \"query\", \"max_bytes\"}.");
        }

        var scope = args.TryGetProperty("scope", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : string.Empty;
        var query = args.TryGetProperty("query", out var q) && q.ValueKind == JsonValueKind.String ? q.GetString()! : string.Empty;
        var limit = connector.MaxResponseBytes;
        if (args.TryGetProperty("max_bytes", out var m) && m.ValueKind != JsonValueKind.Null)
        {
            if (m.ValueKind != JsonValueKind.Number || !m.TryGetInt64(out var requested) || requested <= 0)
            {
                throw new ConnectorArgumentException("max_bytes must be a positive integer.");
            }

            limit = Math.Min(limit, requested);
        }

        var uri = UpstreamClient.Combine(
            UpstreamClient.RequireUpstream(connector),
            string.Empty,
            string.Create(CultureInfo.InvariantCulture, $"scope={Uri.EscapeDataString(scope)}&query={Uri.EscapeDataString(query)}"));
        return await _upstream.WithTimeoutAsync(connector, async token =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            await _upstream.PrepareAsync(request, connector, call, token).ConfigureAwait(false);
            using var response = await _upstream.SendAsync(request, token).ConfigureAwait(false);
            var (bytes, more) = await UpstreamClient.ReadUpToAsync(response, limit, token).ConfigureAwait(false);
            if (more)
            {
                bytes = bytes[..Utf8Boundary.LastCompleteLength(bytes)];
            }

            return UpstreamClient.ToResult(response, bytes, call, truncated: more);
        }, cancellationToken).ConfigureAwait(false);
    }
}
