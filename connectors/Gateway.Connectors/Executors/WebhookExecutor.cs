using System.Text.Json;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Signing;

namespace Gateway.Connectors.Executors;

/// <summary>
/// Executes <see cref="ConnectorKind.Webhook"/> connectors: POSTs the arguments as JSON to the upstream,
/// signed gateway→upstream with <see cref="RequestSigner"/> under the gateway's service key (agent line
/// <c>gateway</c>, a fresh nonce per call) and carrying <c>X-Gamut-Decision-Token</c>. Receivers check it
/// with <see cref="WebhookSignatureVerifier"/>.
/// </summary>
public sealed class WebhookExecutor : IConnectorExecutor
{
    private readonly UpstreamClient _upstream;
    private readonly byte[] _serviceKey;
    private readonly TimeProvider _time;

    public WebhookExecutor(HttpMessageInvoker invoker, CredentialResolver resolver, ReadOnlySpan<byte> serviceKey, TimeProvider? timeProvider = null)
    {
        if (serviceKey.IsEmpty)
        {
            throw new ArgumentException("The gateway service key is required to sign webhooks.", nameof(serviceKey));
        }

        _upstream = new UpstreamClient(invoker, resolver, timeProvider);
        _serviceKey = serviceKey.ToArray();
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public async ValueTask<ConnectorResult> ExecuteAsync(ConnectorDefinition connector, ConnectorCall call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connector);
        ArgumentNullException.ThrowIfNull(call);
        ReadOnlyGuard.Enforce(connector, call, "POST");
        var body = JsonSerializer.SerializeToUtf8Bytes(call.Args, ConnectorsJsonContext.Default.JsonElement);
        var uri = UpstreamClient.Combine(UpstreamClient.RequireUpstream(connector), string.Empty, call.DegradeMode == DegradeMode.DryRun ? "dry_run=true" : null);
        return await _upstream.WithTimeoutAsync(connector, async token =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = UpstreamClient.JsonContent(body) };
            await _upstream.PrepareAsync(request, connector, call, token).ConfigureAwait(false);
            new RequestSigner(_serviceKey, call.Tenant, call.Workspace, SignatureHeaders.GatewayAgent, _time).Sign(request, body);
            using var response = await _upstream.SendAsync(request, token).ConfigureAwait(false);
            var responseBody = await UpstreamClient.ReadBodyAsync(response, connector, connector.MaxResponseBytes, token).ConfigureAwait(false);
            return UpstreamClient.ToResult(response, responseBody, call);
        }, cancellationToken).ConfigureAwait(false);
    }
}
