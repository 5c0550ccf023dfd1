using System.Text.Json;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Models;

namespace Gateway.Connectors.Executors;

/// <summary>
/// Executes model connectors: <see cref="ConnectorKind.OpenAI"/> (POST <c>&lt;upstream&gt;/chat/completions</c>)
/// and <see cref="ConnectorKind.Anthropic"/> (POST <c>&lt;upstream&gt;/messages</c>, <c>anthropic-version</c> set).
/// The call's arguments are the provider-native request. Under route the model and token ceilings are
/// rewritten (<see cref="ModelRequestRewriter"/>); a streamed OpenAI request asks for usage in its final chunk.
/// Usage is read from the JSON or from the SSE stream; the SSE text is returned (redacted when required).
/// </summary>
public sealed class ModelConnectorExecutor : IConnectorExecutor
{
    /// <summary>The Anthropic API version sent.</summary>
    public const string AnthropicVersion = "2023-06-01";

    private readonly UpstreamClient _upstream;

    public ModelConnectorExecutor(HttpMessageInvoker invoker, CredentialResolver resolver, TimeProvider? timeProvider = null) =>
        _upstream = new UpstreamClient(invoker, resolver, timeProvider);

    /// <inheritdoc/>
    public async ValueTask<ConnectorResult> ExecuteAsync(ConnectorDefinition connector, ConnectorCall call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connector);
        ArgumentNullException.ThrowIfNull(call);
        if (call.Args.ValueKind != JsonValueKind.Object)
        {
            throw new ConnectorArgumentException("a model request must be a JSON object.");
        }

        var anthropic = connector.Kind == ConnectorKind.Anthropic;
        var api = anthropic ? ModelApi.AnthropicMessages : ModelApi.OpenAIChatCompletions;
        var body = JsonSerializer.SerializeToUtf8Bytes(call.Args, ConnectorsJsonContext.Default.JsonElement);
        if (call.DegradeMode == DegradeMode.Route)
        {
            body = ModelRequestRewriter.Route(body, connector.RouteModel, connector.RouteMaxTokens, api);
        }

        var streaming = ModelRequestRewriter.IsStreaming(call.Args);
        if (streaming && !anthropic)
        {
            body = ModelRequestRewriter.EnsureStreamUsage(body);
        }

        var uri = UpstreamClient.Combine(UpstreamClient.RequireUpstream(connector), anthropic ? "messages" : "chat/completions");
        return await _upstream.WithTimeoutAsync(connector, async token =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = UpstreamClient.JsonContent(body) };
            if (anthropic)
            {
                request.Headers.TryAddWithoutValidation("anthropic-version", AnthropicVersion);
            }

            if (streaming)
            {
                request.Headers.Accept.ParseAdd("text/event-stream");
            }

            await _upstream.PrepareAsync(request, connector, call, token).ConfigureAwait(false);
            using var response = await _upstream.SendAsync(request, token).ConfigureAwait(false);
            var responseBody = await UpstreamClient.ReadBodyAsync(response, connector, connector.MaxResponseBytes, token).ConfigureAwait(false);
            var usage = response.Content.Headers.ContentType?.MediaType == "text/event-stream"
                ? ModelUsageReader.FromSse(responseBody)
                : ModelUsageReader.FromJson(responseBody);
            return UpstreamClient.ToResult(response, responseBody, call) with { Usage = usage };
        }, cancellationToken).ConfigureAwait(false);
    }
}
