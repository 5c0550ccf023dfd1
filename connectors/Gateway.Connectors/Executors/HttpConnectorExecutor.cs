using System.Globalization;
using System.Text.Json;
using Gateway.Connectors.Credentials;

namespace Gateway.Connectors.Executors;

/// <summary>
/// Executes <see cref="ConnectorKind.Http"/> connectors: the method and path template of the definition,
/// placeholders filled (URL-encoded) from the arguments, the rest sent as a JSON body or query
/// parameters (always query for GET/HEAD). read_only refuses write verbs; dry_run adds
/// <c>X-Gamut-Dry-Run: true</c> and <c>dry_run=true</c>.
/// </summary>
public sealed class HttpConnectorExecutor : IConnectorExecutor
{
    private readonly UpstreamClient _upstream;

    public HttpConnectorExecutor(HttpMessageInvoker invoker, CredentialResolver resolver, TimeProvider? timeProvider = null) =>
        _upstream = new UpstreamClient(invoker, resolver, timeProvider);

    /// <inheritdoc/>
    public async ValueTask<ConnectorResult> ExecuteAsync(ConnectorDefinition connector, ConnectorCall call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connector);
        ArgumentNullException.ThrowIfNull(call);
        var binding = connector.Http ?? throw new ConnectorArgumentException($"connector '{connector.Name}' has no http binding.");
        var method = binding.Method.ToUpperInvariant();
        ReadOnlyGuard.Enforce(connector, call, method);

        (string Path, IReadOnlySet<string> Used) filled;
        try
        {
            filled = PathTemplate.Fill(binding.PathTemplate, call.Args);
        }
        catch (ArgumentException ex)
        {
            throw new ConnectorArgumentException(ex.Message, ex);
        }

        var remaining = call.Args.ValueKind == JsonValueKind.Object
            ? call.Args.EnumerateObject().Where(p => !filled.Used.Contains(p.Name)).ToList()
            : [];
        var useQuery = binding.ArgsIn == ArgsLocation.Query || method is "GET" or "HEAD";
        var query = new List<string>();
        if (useQuery)
        {
            foreach (var property in remaining)
            {
                AppendQuery(query, property.Name, property.Value);
            }
        }

        if (call.DegradeMode == DegradeMode.DryRun)
        {
            query.Add("dry_run=true");
        }

        var uri = UpstreamClient.Combine(UpstreamClient.RequireUpstream(connector), filled.Path, string.Join('&', query));
        return await _upstream.WithTimeoutAsync(connector, async token =>
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), uri);
            if (!useQuery && remaining.Count > 0)
            {
                request.Content = UpstreamClient.JsonContent(BuildBody(remaining));
            }

            await _upstream.PrepareAsync(request, connector, call, token).ConfigureAwait(false);
            using var response = await _upstream.SendAsync(request, token).ConfigureAwait(false);
            var body = await UpstreamClient.ReadBodyAsync(response, connector, connector.MaxResponseBytes, token).ConfigureAwait(false);
            return UpstreamClient.ToResult(response, body, call);
        }, cancellationToken).ConfigureAwait(false);
    }

    private static void AppendQuery(List<string> query, string name, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    AppendQuery(query, name, item);
                }

                break;
            case JsonValueKind.Null or JsonValueKind.Undefined:
                break;
            default:
                var text = value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString()!,
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    JsonValueKind.Number => value.GetRawText(),
                    _ => value.GetRawText(),
                };
                query.Add(string.Create(CultureInfo.InvariantCulture, $"{Uri.EscapeDataString(name)}={Uri.EscapeDataString(text)}"));
                break;
        }
    }

    private static byte[] BuildBody(List<JsonProperty> properties)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (var property in properties)
            {
                property.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return stream.ToArray();
    }
}
