namespace Gateway.Connectors.Executors;

/// <summary>
/// Calls a connector for a governed action. Implementations throw <see cref="ConnectorTimeoutException"/>
/// (host: 504), <see cref="ResponseTooLargeException"/> (502), <see cref="DegradeRefusedException"/> (403),
/// <see cref="ConnectorArgumentException"/> (400), <see cref="Credentials.CredentialUnavailableException"/> (502)
/// and <see cref="HttpRequestException"/> for an unreachable upstream (502).
/// </summary>
public interface IConnectorExecutor
{
    /// <summary>Executes <paramref name="call"/> against <paramref name="connector"/>.</summary>
    ValueTask<ConnectorResult> ExecuteAsync(ConnectorDefinition connector, ConnectorCall call, CancellationToken cancellationToken = default);
}
