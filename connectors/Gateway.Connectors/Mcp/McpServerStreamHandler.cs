namespace Gateway.Connectors.Mcp;

/// <summary>
/// Watches the gateway's session with a server for its GET stream, the one a streamable-HTTP server sends what is not an
/// answer on (<c>notifications/resources/updated</c>, <c>notifications/tools/list_changed</c>): <see cref="Answered"/>
/// completes once the server has answered the first GET (an open stream, or a refusal) or it failed. A server's notification
/// sent before then is dropped by the server, so a new session waits for it before it is used.
/// </summary>
internal sealed class McpServerStreamHandler : DelegatingHandler
{
    private readonly TaskCompletionSource _answered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first GET through this handler is answered or fails.</summary>
    public Task Answered => _answered.Task;

    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            // For a GET the SDK asks for the headers only: this returns as the stream opens, not when it ends.
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (request.Method == HttpMethod.Get)
            {
                _answered.TrySetResult();
            }
        }
    }
}
